// Builds the blocklist: the most common leaked passwords (zxcvbn-ts
// language-common, MIT), the most frequent French words (zxcvbn-ts
// language-fr, MIT) and a hand-made list of common French passwords.
const fs = require("fs");
const pw = require("./node_modules/@zxcvbn-ts/language-common/dist/passwords.json.cjs");
const cw = require("./node_modules/@zxcvbn-ts/language-fr/dist/commonWords.json.cjs");
const P = (pw.default || pw), W = (cw.default || cw);
const fold = s => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
const out = new Set();
const add = s => { s = s.trim().toLowerCase().normalize("NFC"); if (s.length >= 4 && s.length <= 64 && !/[\s]/.test(s)) out.add(s); };
for (const s of P.slice(0, 10000)) add(s);
let n = 0;
for (const s of W) { if (n >= 3000) break; if (s.length < 5 || /['’ -]/.test(s)) continue; add(s); add(fold(s)); n++; }
for (const s of fs.readFileSync(process.argv[2], "utf8").split("\n")) add(s);
const list = [...out].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
fs.writeFileSync(process.argv[3], list.join("\n") + "\n");
console.log(list.length, "entries");
