"""The classifier's behaviour, one rule at a time.

Areas come from a stand-in ``find_areas`` here so that these tests say what the
classifier does with areas; the real geography is exercised by the eval test.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from routing.classify import THRESHOLD, candidate_scores, classify
from routing.decision import AreaMatch


def areas(*codes: str, role: str = "person"):
    return lambda text, sender_signature=None: [AreaMatch(code, role=role) for code in codes]


NO_AREA = areas()


def evidence_of(decision, code):
    return next(o for o in decision.organisations if o.code == code).evidence


def test_evidence_offsets_point_at_the_words_in_subject_plus_text():
    subject = "Prime d'activité"
    text = "Bonjour, la Caisse d’allocations familiales a supprimé ma prime d'activité. Où en est mon dossier ?"
    decision = classify(text, subject=subject, find_areas=NO_AREA)
    analysed = subject + "\n" + text
    found = evidence_of(decision, "CAF")
    assert {e.text for e in found} == {"Prime d'activité", "Caisse d’allocations familiales", "prime d'activité"}
    for e in found:
        assert analysed[e.start : e.end] == e.text
    assert found[0].start == 0  # the subject comes first


def test_offsets_survive_characters_that_transliterate_to_several_letters():
    text = "Œuvre… «ﬁnances» — la préfecture ne répond pas pour mon titre de séjour."
    decision = classify(text, find_areas=NO_AREA)
    analysed = "\n" + text
    for e in evidence_of(decision, "PREF"):
        assert analysed[e.start : e.end] == e.text
    assert {e.text for e in evidence_of(decision, "PREF")} == {"préfecture", "titre de séjour"}


def test_negated_organisation_is_not_selected():
    decision = classify("Ce n'est pas la CAF, c'est France Travail qui ne me paie plus.", find_areas=NO_AREA)
    assert decision.organisation_codes == ["FT"]
    caf = next(s for s in candidate_scores("Ce n'est pas la CAF, c'est France Travail qui ne me paie plus."
                                           ) if s.code == "CAF")
    assert caf.score == 0 and caf.evidence[0].reason.startswith("negated")


def test_denied_benefit_does_not_count():
    decision = classify("Je n'ai pas de RSA ; c'est ma taxe foncière qui pose problème.", find_areas=NO_AREA)
    assert decision.organisation_codes == ["DGFIP"]


def test_complaint_is_not_a_negation():
    decision = classify("Je n'ai toujours pas de RSA depuis trois mois.", find_areas=NO_AREA)
    assert decision.organisation_codes == ["CAF"]
    decision = classify("Je n'ai pas reçu de réponse de la CPAM pour ma carte Vitale.", find_areas=NO_AREA)
    assert decision.organisation_codes == ["CPAM"]


def test_mentions_in_passing_weigh_less_than_the_request():
    decision = classify("La CAF m'a dit d'appeler la CPAM pour mes indemnités journalières.", find_areas=NO_AREA)
    assert decision.organisation_codes == ["CPAM"]
    reasons = {s.code: [e.reason for e in s.evidence] for s in candidate_scores(
        "La CAF m'a dit d'appeler la CPAM pour mes indemnités journalières.")}
    assert reasons["CAF"] == ["in-passing:alias"]

    decision = classify("La mairie m'a orientée vers vous. L'Urssaf me réclame des cotisations déjà payées.",
                        find_areas=NO_AREA)
    assert decision.organisation_codes == ["URSSAF"]


def test_redirection_target_is_the_request():
    decision = classify("Tout le monde me renvoie vers la préfecture pour mon récépissé.", find_areas=NO_AREA)
    assert decision.organisation_codes == ["PREF"]


def test_retirement_goes_to_cnav_in_ile_de_france_and_carsat_elsewhere():
    text = "Ma retraite n'est pas versée depuis trois mois."
    assert classify(text, find_areas=areas("93")).organisation_codes == ["CNAV"]
    assert classify(text, find_areas=areas("75")).organisation_codes == ["CNAV"]
    assert classify(text, find_areas=areas("13")).organisation_codes == ["CARSAT"]
    assert classify(text, find_areas=areas("974")).organisation_codes == ["CARSAT"]
    assert sorted(classify(text, find_areas=areas("92", "64")).organisation_codes) == ["CARSAT", "CNAV"]


def test_retirement_without_area_picks_carsat_with_lower_confidence():
    text = "Ma retraite n'est pas versée depuis trois mois."
    known = classify(text, find_areas=areas("13"))
    unknown = classify(text, find_areas=NO_AREA)
    assert unknown.organisation_codes == ["CARSAT"]
    assert unknown.confidence < known.confidence
    assert classify("La CNAV ne paie pas ma retraite.", find_areas=NO_AREA).organisation_codes == ["CNAV"]


def test_aidant_area_decides_the_fund_when_the_person_area_is_missing():
    text = "J'accompagne une dame dont la pension de réversion n'est pas payée."
    assert classify(text, find_areas=areas("95", role="aidant")).organisation_codes == ["CNAV"]
    both = lambda t, sender_signature=None: [AreaMatch("13"), AreaMatch("95", role="aidant")]
    assert classify(text, find_areas=both).organisation_codes == ["CARSAT"]


def test_multi_organisation_benefits():
    assert sorted(classify("Mon AAH n'est plus versée.", find_areas=NO_AREA).organisation_codes) == ["CAF", "MDPH"]
    decision = classify("Ma pension d'invalidité s'arrête et ma retraite n'a pas commencé.", find_areas=areas("87"))
    assert sorted(decision.organisation_codes) == ["CARSAT", "CPAM"]


def test_msa_takes_regime_benefits():
    decision = classify("Je suis exploitant agricole, la MSA ne verse plus ma prime d'activité.", find_areas=NO_AREA)
    assert decision.organisation_codes == ["MSA"]
    reasons = [e.reason for e in evidence_of(decision, "MSA")]
    assert "benefit:PRIME_ACTIVITE" in reasons


def test_helper_organisations_are_never_targets():
    text = ("Bonjour, je suis conseillère France Services, ancienne de la MSAP, bénévole d'une association "
            "(Secours populaire). Comment fonctionne votre service ?")
    decision = classify(text, sender="agent@france-services.gouv.fr", find_areas=NO_AREA)
    assert decision.organisations == []
    assert decision.triage
    assert all(s.code not in {"FRANCE_SERVICES", "MSAP", "ASSOCIATION"} for s in candidate_scores(text))


def test_sender_domain_is_evidence_without_offsets():
    decision = classify("Une allocataire attend ses indemnités journalières, cela bloque sa prime d'activité.",
                        sender="Jean Martin <jean.martin@caf.fr>", find_areas=NO_AREA)
    assert sorted(decision.organisation_codes) == ["CAF", "CPAM"]
    domain = [e for e in evidence_of(decision, "CAF") if e.reason == "sender-domain"]
    assert domain and domain[0].text == "caf.fr" and domain[0].start == -1


def test_signature_mentions_weigh_less():
    text = "Bonjour,\nMa carte Vitale n'est jamais arrivée.\nCordialement,\nJulie M.\nCCAS de Vichy"
    decision = classify(text, find_areas=NO_AREA)
    assert decision.organisation_codes == ["CPAM"]


def test_triage_below_threshold():
    vague = classify("Bonjour, mon dossier est bloqué, personne ne répond.", find_areas=NO_AREA)
    assert vague.organisations == [] and vague.triage and vague.confidence == 0
    hint = classify("Bonjour, mon fils est handicapé et je ne sais pas quoi faire.", find_areas=NO_AREA)
    assert hint.organisation_codes == ["MDPH"]
    assert hint.confidence < THRESHOLD and hint.triage
    clear = classify("La CAF a suspendu mon RSA.", find_areas=NO_AREA)
    assert clear.confidence >= THRESHOLD and not clear.triage


def test_typos_are_tolerated_but_marked():
    decision = classify("je recoi pas ma pention de retraite depui 3 mois", find_areas=areas("35"))
    assert decision.organisation_codes == ["CARSAT"]
    assert any(e.reason.endswith("~typo") for e in evidence_of(decision, "CARSAT"))
    # an inflection is not a typo: "rembourser" does not hint at the Assurance Maladie
    assert classify("La CAF me demande de rembourser 200 euros.", find_areas=NO_AREA).organisation_codes == ["CAF"]


def test_upper_only_acronyms():
    assert classify("Mon ASS n'est plus versée.", find_areas=NO_AREA).organisation_codes == ["FT"]
    assert classify("c'est une question d'âme", find_areas=NO_AREA).organisations == []


def test_decision_serialises():
    payload = classify("La CAF a suspendu mon RSA.", find_areas=areas("13")).to_dict()
    assert payload["organisations"][0]["code"] == "CAF"
    assert payload["areas"][0]["code"] == "13"


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400), st.text(max_size=40), st.one_of(st.none(), st.text(max_size=60)))
def test_hostile_input_never_raises_and_offsets_stay_true(text, subject, sender):
    decision = classify(text, subject=subject, sender=sender, find_areas=NO_AREA)
    analysed = subject + "\n" + text
    assert 0.0 <= decision.confidence <= 1.0
    for org in decision.organisations:
        for e in org.evidence:
            if e.start >= 0:
                assert analysed[e.start : e.end] == e.text


def test_huge_input_is_read_partially_without_error():
    decision = classify("La CAF ne verse plus mon RSA. " + "é" * 500_000, find_areas=NO_AREA)
    assert decision.organisation_codes == ["CAF"]


def test_affiliated_signature_places_are_aidant_hints():
    calls = []

    def finder(text, sender_signature=None):
        calls.append((text, sender_signature))
        found = [AreaMatch("93")] if "Pantin" in text else []
        if sender_signature and "75011" in sender_signature:
            at = sender_signature.index("75011")
            from routing.decision import Evidence
            found.append(AreaMatch("75", [Evidence("75011", at, at + 5, "postal-code")], role="aidant"))
        return found

    text = ("La personne que j'accompagne vit à Pantin ; son APL n'est plus versée.\n"
            "Cordialement,\nClaire V.\nAssociation Aurore, 75011 Paris")
    decision = classify(text, find_areas=finder)
    assert decision.organisation_codes == ["CAF"]
    assert [(a.code, a.role) for a in decision.areas] == [("93", "person"), ("75", "aidant")]
    analysed = "\n" + text
    evidence = decision.areas[1].evidence[0]
    assert analysed[evidence.start : evidence.end] == "75011"  # shifted back into the analysed text
    assert "Association Aurore" not in calls[0][0] and "Association Aurore" in calls[0][1]


def test_agent_disowning_the_case_does_not_bring_its_organisation():
    text = ("Je vous transfère ce cas reçu à l'accueil de la CAF : pas d'indemnités journalières depuis trois mois, "
            "ce n'est pas de notre ressort.")
    decision = classify(text, sender="accueil@caf.fr", find_areas=NO_AREA)
    assert decision.organisation_codes == ["CPAM"]


def test_pas_de_followed_by_a_complaint_is_not_a_denial():
    decision = classify("Pas de RSA depuis mars, je n'ai plus rien.", find_areas=NO_AREA)
    assert decision.organisation_codes == ["CAF"]


def test_settled_matters_and_former_helpers_are_in_passing():
    text = "L'an dernier j'ai eu des soucis avec la CAF pour mes APL, c'est réglé. Là, la CPAM ne paie pas mes IJ."
    assert classify(text, find_areas=NO_AREA).organisation_codes == ["CPAM"]
    text = "Avec la CPAM, c'est réglé, mais la CAF ne verse toujours pas mon RSA."
    assert classify(text, find_areas=NO_AREA).organisation_codes == ["CAF"]
    text = "La mission locale ne me suit plus depuis mes 26 ans et France Travail ne m'a pas donné de conseiller."
    assert classify(text, find_areas=NO_AREA).organisation_codes == ["FT"]


def test_a_paid_bill_is_not_a_settled_matter():
    text = "Le CHU de Lille me relance pour une facture qui a été réglée en mars."
    assert classify(text, find_areas=NO_AREA).organisation_codes == ["HOPITAL"]


def test_le_departement_with_a_capital_is_the_council():
    text = "La MDPH a accordé la PCH mais le Département ne la verse pas."
    assert sorted(classify(text, find_areas=NO_AREA).organisation_codes) == ["DEPARTEMENT", "MDPH"]
    assert classify("Je vis dans le département depuis dix ans, ma carte Vitale n'arrive pas.",
                    find_areas=NO_AREA).organisation_codes == ["CPAM"]


def test_a_list_after_deja_is_in_passing_but_a_new_clause_is_not():
    text = "J'ai déjà vu la MDPH et la CAF, elles m'ont dit que l'APA relève du conseil départemental."
    assert classify(text, find_areas=NO_AREA).organisation_codes == ["DEPARTEMENT"]
    text = "J'ai déjà appelé la CAF, la CPAM et la mairie, tout le monde me renvoie vers la préfecture."
    assert classify(text, find_areas=NO_AREA).organisation_codes == ["PREF"]


def test_asking_nothing_of_an_organisation_denies_it():
    text = "Je ne demande rien à la CAF : je voudrais l'acte de naissance de mon fils à la mairie."
    assert classify(text, find_areas=NO_AREA).organisation_codes == ["MAIRIE"]


def test_x_not_y_denies_y():
    text = "Réorientation : ce dossier relève de France Travail (fin de droits ARE), pas de la CPAM."
    assert classify(text, find_areas=NO_AREA).organisation_codes == ["FT"]
    text = "Numéro de sécurité sociale provisoire, donc pas de carte Vitale et pas de remboursements."
    assert classify(text, find_areas=NO_AREA).organisation_codes == ["CPAM"]
