#!/bin/sh
# Regenerates the French voice recordings embedded by package captcha
# (server/captcha/voice/fr/*.raw). Development-time only: nothing at build,
# test or run time needs espeak-ng or sox, the .raw files are committed.
#
# Requirements (Debian):  apt-get update && apt-get install -y espeak-ng sox
# Usage:                  sh server/captcha/voice/gen.sh
#
# Output format of every file (must match voice.go):
#   raw PCM, 8000 Hz, mono, 16-bit signed little-endian, no header,
#   leading and trailing silence trimmed, peak-normalised to -3 dBFS.
#   The trim keeps anything louder than 0.5% for 10 ms: the commonly seen
#   "silence 1 0.1 1%" cuts short plosives ("quatre" lost its /k/).
#
#   fr/0.raw … fr/9.raw   the digits "zéro" … "neuf"
#   fr/intro.raw          "Veuillez recopier les chiffres suivants."
set -eu

cd "$(dirname "$0")"
mkdir -p fr
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

VOICE=fr+f3   # espeak-ng French voice, female variant 3
SPEED=130     # words per minute (espeak-ng default is 175)

say() { # say OUTPUT TEXT
	espeak-ng -v "$VOICE" -s "$SPEED" -w "$tmp/say.wav" "$2"
	sox "$tmp/say.wav" \
		-t raw -r 8000 -c 1 -b 16 -e signed-integer -L "$1" \
		silence 1 0.01 0.5% reverse silence 1 0.01 0.5% reverse \
		gain -n -3
}

i=0
for word in zéro un deux trois quatre cinq six sept huit neuf; do
	say "fr/$i.raw" "$word"
	i=$((i + 1))
done
say fr/intro.raw "Veuillez recopier les chiffres suivants."

ls -l fr
