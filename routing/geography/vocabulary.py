"""The French words the place rules read around a name or a number.

Each set is folded like the text (see ``text.normalise_word``): lower case,
no accents, no apostrophe ("j'habite" -> "jhabite"). Which rule reads which set
is told in the docstring of ``routing.geography``.
"""

from __future__ import annotations

import re

ARTICLES = frozenset({"le", "la", "les", "l", "aux", "las", "los"})
PLACE_CONTEXT = frozenset({
    "a", "au", "aux", "de", "d", "du", "en", "vers", "sur", "dans", "pres", "proche", "depuis", "pour",
    "habite", "habites", "jhabite", "jabite", "abite", "habit", "jhabit", "jabit", "habitons", "habitez", "habitent", "habitais", "habitait", "habiter", "habitant", "habitante",
    "vis", "vit", "vivons", "vivez", "vivent", "vivais", "vivait", "vivre",
    "reside", "resides", "residons", "resident", "residant", "residante", "residais", "residait",
    "domicilie", "domiciliee", "originaire", "natif", "native", "ne", "nee",
    "demenage", "demenagee", "demenages", "demenager", "installe", "installee", "installes", "installees",
    "mute", "mutee", "arrive", "arrivee", "arrives", "quitte", "quitter", "quittee", "rejoindre", "rejoint",
})
DEPARTEMENT_EXTRA_CONTEXT = frozenset({"le", "la", "les", "l"})
STREET_WORDS = frozenset({
    "rue", "avenue", "av", "ave", "bd", "boulevard", "blvd", "place", "pl", "allee", "allees", "chemin", "route",
    "impasse", "imp", "quai", "square", "sq", "cours", "passage", "residence", "cite", "lotissement", "chaussee",
    "faubourg", "fbg", "esplanade", "promenade", "gare", "porte", "station", "metro", "rer", "parvis", "rond", "voie",
})
SENTENCE_BREAKS = frozenset(".\n;!?")
NAME_BREAKS = frozenset("\n;,!?()")
NAMING_WORDS = frozenset({"appelle", "appelles", "appelons", "prenom", "prenoms", "nom", "signe", "bonjour",
                          "merci", "chere", "cher"})
STREET_CONNECTORS = frozenset({"de", "du", "des", "d", "la", "le", "les", "l"})
CIVILITIES = frozenset({"m", "mr", "mme", "mmes", "mlle", "monsieur", "madame", "mademoiselle", "dr", "docteur",
                        "maitre", "me", "pr", "professeur"})
MONTHS = frozenset({"janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre", "octobre",
                    "novembre", "decembre", "janv", "fev", "fevr", "avr", "juil", "sept", "oct", "nov", "dec"})
UNITS = frozenset({"euros", "euro", "eur", "e", "ans", "an", "mois", "jours", "jour", "semaines", "semaine", "heures",
                   "heure", "h", "min", "minutes", "km", "kg", "g", "m", "m2", "cm", "pourcent", "pourcents", "fois",
                   "personnes", "enfants", "k", "ke", "centimes", "cts", "dollars", "points", "pages", "ko", "mo"})
IDENTIFIER_WORDS = frozenset({"numero", "num", "no", "n", "nr", "allocataire", "dossier", "reference", "ref", "refs",
                              "matricule", "siret", "siren", "identifiant", "id", "compte", "contrat", "facture",
                              "montant", "somme", "total", "cle", "ticket", "client", "abonne", "secu", "nir",
                              "fiscal", "avis", "tel", "telephone", "portable", "fax", "pin", "badge"})
DEPARTEMENT_WORDS = frozenset({"departement", "departements", "dept", "dep", "dpt", "depart"})
PLACE_PREPOSITIONS = frozenset({"a", "au", "aux", "en", "sur", "dans", "vers"})
COMMON_AFTER_RESIDENCE_MIN_POPULATION = 20_000
RESIDENCE_VERBS = frozenset({"habite", "habites", "jhabite", "jabite", "abite", "habit", "jhabit", "jabit", "habitons",
                             "habitez", "habitent", "habitais", "habitait", "vis", "vit", "vivons", "vivez", "vivent",
                             "vivais", "vivait", "reside", "residons", "residais", "residait", "domicilie",
                             "domiciliee", "installe", "installee", "installes", "installees"})
FUZZY_TRIGGERS = PLACE_PREPOSITIONS | RESIDENCE_VERBS
NUMBER_BEFORE_LE = frozenset({"dans", "jhabite", "jabite", "habite", "habites", "habitons", "habitez", "habitent", "habitais", "habitait",
                              "vis", "vit", "vivons", "vivez", "vivent", "vivais", "vivait", "sur", "vers", "quitte",
                              "quitter", "rejoindre", "demenage", "demenager", "installe", "installee", "reside"})
NUMBER_BEFORE_DU = frozenset({"viens", "vient", "venons", "venez", "viennent", "originaire", "originaires", "suis",
                              "sommes", "caf", "cpam", "mdph", "msa", "carsat", "prefecture", "departemental",
                              "departementale", "conseil", "urssaf", "cnav", "ccas", "gens", "ici", "mairie"})
MEETING_FOLLOWERS = frozenset({"de", "du", "des", "d", "avec", "pour", "sur", "a", "au", "aux", "prevue", "organisee",
                               "qui", "que", "ou", "dont", "mensuelle", "en", "entre", "chez", "publique", "d",
                               "du", "parents", "equipe", "information", "hebdomadaire", "annuelle"})
# 'la CAF 93', 'MDPH 44', 'Pôle emploi 13': an office followed by its département number.
ORGANISATION_WORDS = frozenset({"caf", "cpam", "mdph", "msa", "carsat", "urssaf", "cnav", "prefecture", "pref",
                                "dgfip", "ddfip", "drfip", "sip", "emploi", "travail", "locale", "departemental",
                                "cd", "ccas", "cram", "ars", "ameli", "pmi", "ase", "sdis", "tribunal", "tj"})
FORMER_RESIDENCE_VERBS = frozenset({"habitais", "habitait", "habitions", "habitiez", "habitaient", "vivais", "vivait",
                                    "vivions", "residais", "residait", "etais", "etait", "jhabitais", "jabitais"})
CUE_REASONS = frozenset({"move-origin", "move-destination", "current-place", "residence"})
OFFICE_HEADS = frozenset({"conseil", "caisse", "mairie", "prefecture", "maison", "direction", "agence", "centre",
                          "hopital", "tribunal", "services", "service", "region", "ville", "commune"})
ORIGIN_MARKERS = frozenset({"de", "du", "d", "depuis", "quitte", "quitter", "quittee"})
DESTINATION_MARKERS = frozenset({"a", "au", "aux", "vers", "pour", "dans", "en", "sur", "rejoindre"})
MOVE_CUE_RE = re.compile(r"\b(?:d[ée]m[ée]nag|emm[ée]nag|transf[ée]r|quitt|mutation|install[ée])\w*"
                         r"|\b(?:mut[ée]e?s?|partie?s?)\b")  # searched in the lower-cased text
ARRONDISSEMENT_SUFFIX_RE = re.compile(r"^(\d{1,2})(er|ere|e|eme|ieme|em|me|nd|nde)?$")
ROMAN_RE = re.compile(r"^([xvi]{1,5})(er|e|eme|ieme)$")
ROMAN_VALUES = {"i": 1, "v": 5, "x": 10}

BIRTH_WORDS = frozenset({"ne", "nee", "nes", "nees", "naissance", "originaire", "originaires", "natif", "native"})
NOW_WORDS = frozenset({"maintenant", "actuellement", "desormais", "aujourd", "dorenavant"})
RETRACTION_WORDS = frozenset({"enfin", "pardon", "plutot", "euh", "non"})
CORRECTION_WORDS = frozenset({"enfin", "plutot", "pardon", "maintenant", "actuellement", "desormais"})

CLOSING_RE = re.compile(
    r"^[ \t>]*(?:(?:bien |tr[eè]s |tr[eè]s bien )?cordialement|bien (?:à|a) (?:vous|toi)|(?:sinc[eè]res |meilleures |"
    r"mes |nos )?salutations|veuillez agr[ée]er|je vous prie d.agr[ée]er|merci (?:d.avance|par avance|beaucoup|"
    r"de votre)|--[ \t]*$|envoy[ée] de mon)", re.IGNORECASE | re.MULTILINE)
