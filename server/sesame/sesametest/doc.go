// Package sesametest runs a real Sésame for tests, as net/http/httptest
// runs a handler: the assembled server (sesame.New and Serve) on
// 127.0.0.1:0 with a clock the test moves, a real SMTP sink (go-smtp) that
// keeps and decodes every mail, and HTTP clients with JSON helpers.
//
//	s := sesametest.Start(t, sesametest.Options{})
//	s.ImportAccounts(t, api.Account{Portal: "employeur", Email: addr, EmailVerified: true})
//	b := s.Client(t)
//	b.Post(api.Prefix+"/portals/employeur/recovery", api.RecoveryRequest{Email: addr}).Want(t, http.StatusAccepted)
//	tok := s.Sink.Wait(t, addr, 10*time.Second).Token(t, s.PublicURL+"/employeur")
//
// Everything Start makes stops when the test ends (t.Cleanup).
//
// The package imports "testing" and fails tests itself: it is for _test.go
// files only, never for the server or a command.
package sesametest
