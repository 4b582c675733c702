// Package message holds the product's sentences in French and English: the
// detail of every API error and the screens' shared wording. French comes
// first; English is the second language.
package message

import (
	"fmt"

	"sesame/shared/api"
)

// Text is a sentence in both languages.
type Text struct{ FR, EN string }

// In returns the sentence in lang ("en" or French).
func (t Text) In(lang string) string {
	if lang == "en" && t.EN != "" {
		return t.EN
	}
	return t.FR
}

// Problems maps each API error code to its detail.
var problems = map[string]Text{
	api.CodeBadRequest:        {"La demande est incorrecte.", "The request is malformed."},
	api.CodeInvalidJSON:       {"Le contenu envoyé n'est pas un JSON valide.", "The body is not valid JSON."},
	api.CodeBodyTooLarge:      {"Le contenu envoyé est trop volumineux.", "The body is too large."},
	api.CodeUnsupportedMedia:  {"Le contenu doit être envoyé en JSON.", "The body must be JSON."},
	api.CodeNotFound:          {"Cette adresse n'existe pas.", "There is nothing at this address."},
	api.CodeMethodNotAllowed:  {"Cette méthode n'est pas permise ici.", "This method is not allowed here."},
	api.CodeUnknownPortal:     {"Ce portail n'existe pas.", "There is no such portal."},
	api.CodeInvalidFields:     {"Certains champs sont manquants ou incorrects.", "Some fields are missing or invalid."},
	api.CodeCaptchaRequired:   {"Merci de recopier les caractères de l'image ou de l'extrait sonore.", "Please type the characters of the image or audio clip."},
	api.CodeCaptchaInvalid:    {"Les caractères saisis ne correspondent pas. Une nouvelle série vous est proposée.", "The characters do not match. A new series is shown."},
	api.CodeRateLimited:       {"Le nombre maximum de demandes a été atteint.", "The maximum number of requests has been reached."},
	api.CodeNoValidatedEmail:  {"L'envoi d'un mail pour renouveler votre mot de passe n'est pas possible. Merci de contacter votre caisse au 36 46.", "We cannot send you an e-mail to renew your password. Please call your health insurance office on 36 46."},
	api.CodeLinkExpired:       {"Ce lien a expiré. Merci de recommencer votre demande de renouvellement de mot de passe.", "This link has expired. Please ask for a new one."},
	api.CodeLinkUsed:          {"Ce lien a déjà été utilisé. Merci de recommencer votre demande si besoin.", "This link has already been used. Ask for a new one if needed."},
	api.CodeLinkSuperseded:    {"Ce lien n'est plus valable : seul le mail le plus récent permet de renouveler votre mot de passe.", "This link is no longer valid: only the most recent e-mail works."},
	api.CodeLinkInvalid:       {"Ce lien n'est pas valable. Merci de recommencer votre demande.", "This link is not valid. Please ask for a new one."},
	api.CodePasswordPolicy:    {"Le mot de passe ne respecte pas toutes les règles.", "The password does not meet every rule."},
	api.CodeCodeInvalid:       {"Le code saisi est incorrect.", "The code is incorrect."},
	api.CodeCodeDead:          {"Ce code n'est plus valable. Merci de demander un nouveau code.", "This code is no longer valid. Please ask for a new one."},
	api.CodeFlowInvalid:       {"Cette demande n'existe pas ou a expiré. Merci de recommencer.", "This request does not exist or has expired. Please start again."},
	api.CodeFlowForeign:       {"Le code doit être saisi sur la page où vous avez fait votre demande.", "The code must be typed on the page where you made your request."},
	api.CodeBadCredentials:    {"Identifiant ou mot de passe incorrect.", "Wrong identifier or password."},
	api.CodeUnauthenticated:   {"Merci de vous connecter.", "Please sign in."},
	api.CodeForbidden:         {"Accès refusé.", "Access denied."},
	api.CodeCrossOrigin:       {"Les demandes venant d'un autre site sont refusées.", "Requests from another site are refused."},
	api.CodeUnavailable:       {"Le service est momentanément indisponible. Merci de réessayer dans quelques instants.", "The service is briefly unavailable. Please try again shortly."},
	api.CodeInternal:          {"Une erreur est survenue. Merci de réessayer.", "Something went wrong. Please try again."},
	api.CodeCurrentPassword:   {"Le mot de passe actuel est incorrect.", "The current password is incorrect."},
	api.CodeChannelNotAllowed: {"Ce portail ne propose pas ce moyen de récupération.", "This portal does not offer this recovery channel."},
	api.CodePasskeyFailed:     {"La connexion avec la clé d'accès n'a pas abouti.", "Signing in with the passkey did not work."},
	api.CodeCeremonyGone:      {"Le délai est dépassé. Merci de recommencer.", "Time is up. Please start again."},
	api.CodePasskeyUnknown:    {"Cette clé d'accès n'existe pas.", "There is no such passkey."},
	api.CodeReauthRequired:    {"Merci de saisir votre mot de passe pour confirmer.", "Please type your password to confirm."},
}

// Problem returns the detail of an API error code in lang.
func Problem(code, lang string) string {
	if t, ok := problems[code]; ok {
		return t.In(lang)
	}
	return problems[api.CodeInternal].In(lang)
}

// HasProblem reports whether code has a sentence (tests walk every code).
func HasProblem(code string) bool { _, ok := problems[code]; return ok }

// RecoveryBlocked is the sentence of seed 001's "3bis cas 2" screen; until
// is already rendered in Paris time ("26/12/2022 - 14h33").
func RecoveryBlocked(until, lang string) string {
	if lang == "en" {
		return fmt.Sprintf("The maximum number of password renewal requests has been reached. The password renewal service is blocked until %s (Paris time).", until)
	}
	return fmt.Sprintf("Le nombre maximum de demandes de renouvellement de mot de passe a été atteint. Le service de renouvellement de mot de passe est bloqué jusqu'au %s (heure de Paris).", until)
}

// Blocked is the same sentence for the other limited actions.
func Blocked(until, lang string) string {
	if lang == "en" {
		return fmt.Sprintf("Too many attempts. Please try again after %s (Paris time).", until)
	}
	return fmt.Sprintf("Le nombre maximum de tentatives a été atteint. Merci de réessayer après le %s (heure de Paris).", until)
}
