// Package outbox provides a durable mail outbox stored in Badger.
//
// A mail job is written with [Outbox.Enqueue] into the caller's own Badger
// transaction, next to the token it announces, so both commit or neither
// does: once the request is accepted its mail cannot be lost, even if the
// process dies or the SMTP server is down. [Outbox.Run] delivers the queued
// jobs with a few workers and retries temporary failures with exponential
// backoff and jitter, forever unless [Options.MaxAttempts] is set.
//
// Delivery does not read the queue back: after the commit, the caller
// hands the job's ID to the workers with [Outbox.Notify], and retries are
// scheduled in memory. Badger is scanned at start (jobs left by a crash),
// when the workers are too far behind for memory, and every 30 s as a
// safety net. Delivered jobs are deleted in batches, and [SMTPSender]
// keeps its connections open for the next mails.
//
// Promises:
//
//   - The secret part of a job (token or code) is never stored in clear:
//     it is sealed with AES-256-GCM under a key the caller keeps outside
//     the data directory, with the job ID as additional data, so a sealed
//     secret cannot be moved to another job.
//   - A delivered job is deleted.
//   - Delivery is at least once: if the process dies after the SMTP server
//     accepted a mail but before the job is deleted, the mail is sent again
//     at the next start. Deletes are batched and not synced, so this window
//     is the time a batch takes to commit plus, for a crash of the machine,
//     until the next sync of the database. Never twice at once from the
//     same Outbox.
//   - Logs and stored error texts never contain the secret, the mail body
//     or a full e-mail address (recipients are masked as "a***@e***").
//
// The package also provides [SMTPSender], a [Sender] built on go-mail.
package outbox
