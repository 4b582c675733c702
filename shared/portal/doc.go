// Package portal describes a portal: what it asks to identify a member, how
// it recovers a password, which policy applies and which texts it shows.
// A portal is data, not code; the three presets reproduce the seeds.
package portal
