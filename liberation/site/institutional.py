"""Texts of the institutional pages (footer links), in French and English.

Each entry: role, then for each language (slug, title, paragraphs). A paragraph that
starts with "## " is a heading.
"""

PAGES = {
    "accessibility": {
        "fr": (
            "accessibilite",
            "Déclaration d’accessibilité",
            [
                "La Mission Libération s’engage à rendre ce site accessible conformément à "
                "l’article 47 de la loi n° 2005-102 du 11 février 2005.",
                "## État de conformité",
                "Ce site est partiellement conforme avec le référentiel général d’amélioration "
                "de l’accessibilité (RGAA), version 4.1, en raison des non-conformités et des "
                "dérogations énumérées ci-dessous. Aucun audit externe n’a encore été réalisé ; "
                "les contrôles automatiques (axe-core) sont exécutés à chaque modification.",
                "## Contenus non accessibles",
                "Certaines vidéos d’archives ne disposent pas encore de sous-titres synchronisés ; "
                "une transcription textuelle est fournie pour chacune d’elles.",
                "## Retour d’information et contact",
                "Si vous n’arrivez pas à accéder à un contenu ou à un service, vous pouvez "
                "contacter le responsable du site pour être orienté vers une alternative "
                "accessible ou obtenir le contenu sous une autre forme : par courriel à "
                "accessibilite@mission-liberation.example.org, ou par courrier à Mission "
                "Libération, Accessibilité, 14 rue Saint-Dominique, 75007 Paris.",
                "## Voies de recours",
                "Si vous constatez un défaut d’accessibilité vous empêchant d’accéder à un "
                "contenu ou à une fonctionnalité, que vous nous le signalez et que vous ne "
                "parvenez pas à obtenir une réponse de notre part, vous êtes en droit de saisir "
                "le Défenseur des droits : par son formulaire de contact en ligne, par un "
                "délégué dans votre région, ou par courrier gratuit, sans affranchissement, à "
                "Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07.",
            ],
        ),
        "en": (
            "accessibility",
            "Accessibility statement",
            [
                "The Mission Libération is committed to making this website accessible in "
                "accordance with article 47 of French law no. 2005-102 of 11 February 2005.",
                "## Compliance status",
                "This website is partially compliant with the French accessibility framework "
                "(RGAA), version 4.1, because of the non-compliances listed below. No external "
                "audit has been carried out yet; automatic checks (axe-core) run on every change.",
                "## Non-accessible content",
                "Some archive videos do not have synchronised captions yet; a text transcript "
                "is provided for each of them.",
                "## Feedback and contact",
                "If you cannot access a piece of content or a service, contact the site "
                "manager to be directed to an accessible alternative or to obtain the content "
                "in another form: by email at accessibilite@mission-liberation.example.org, or "
                "by post to Mission Libération, Accessibilité, 14 rue Saint-Dominique, "
                "75007 Paris, France.",
                "## Remedies",
                "If you report an accessibility defect that prevents you from accessing "
                "content or a feature and do not obtain an answer from us, you are entitled to "
                "refer the matter to the Défenseur des droits (the French ombudsman): through "
                "its online contact form, a delegate in your region, or free post to Défenseur "
                "des droits, Libre réponse 71120, 75342 Paris CEDEX 07, France.",
            ],
        ),
    },
    "legal": {
        "fr": (
            "mentions-legales",
            "Mentions légales",
            [
                "## Éditeur",
                "Ce site est édité par la Mission Libération, groupement d’intérêt public, "
                "14 rue Saint-Dominique, 75007 Paris.",
                "## Hébergement",
                "Le nom et l’adresse de l’hébergeur sont indiqués par l’exploitant de cette "
                "instance de la plateforme Libération.",
                "## Propriété intellectuelle",
                "Sauf mention contraire, les textes de ce site sont publiés sous Licence "
                "Ouverte 2.0. Les images et vidéos restent la propriété des ayants droit "
                "indiqués dans leur crédit.",
                "## Données de référence et carte",
                "Communes, départements et régions : Code officiel géographique de l’Insee "
                "(Licence Ouverte 2.0), via le paquet @etalab/decoupage-administratif. "
                "Position des communes : GeoNames (CC BY 4.0) et localisation des mairies "
                "de l’Annuaire de l’administration (Licence Ouverte 2.0). Fond de carte : "
                "Natural Earth (domaine public), affiché avec Leaflet (licence BSD).",
            ],
        ),
        "en": (
            "legal-notice",
            "Legal notice",
            [
                "## Publisher",
                "This website is published by the Mission Libération, a public-interest group, "
                "14 rue Saint-Dominique, 75007 Paris, France.",
                "## Hosting",
                "The name and address of the host are given by the operator of this instance "
                "of the Libération platform.",
                "## Intellectual property",
                "Unless stated otherwise, the texts of this site are published under the "
                "Licence Ouverte 2.0. Images and videos remain the property of the rights "
                "holders named in their credit.",
                "## Reference data and map",
                "Communes, départements and régions: INSEE's official geographic code "
                "(Licence Ouverte 2.0), through the @etalab/decoupage-administratif package. "
                "Points of the communes: GeoNames (CC BY 4.0) and the town halls of the "
                "Annuaire de l'administration (Licence Ouverte 2.0). Base map: Natural Earth "
                "(public domain), drawn with Leaflet (BSD licence).",
            ],
        ),
    },
    "personal_data": {
        "fr": (
            "donnees-personnelles",
            "Données personnelles",
            [
                "La lecture de ce site ne nécessite aucune donnée personnelle et ne dépose "
                "aucun cookie de mesure d’audience.",
                "## Inscriptions aux cérémonies",
                "Lorsque vous vous inscrivez à une cérémonie, nous ne collectons que les "
                "données nécessaires à l’organisation et à la sécurité de l’événement. Elles "
                "sont effacées à l’issue de la durée de conservation indiquée pour chaque "
                "cérémonie, seuls des comptages anonymes étant conservés.",
                "## Vos droits",
                "Vous disposez d’un droit d’accès, de rectification et d’effacement de vos "
                "données : écrivez à donnees-personnelles@mission-liberation.example.org. Vous "
                "pouvez également adresser une réclamation à la CNIL.",
            ],
        ),
        "en": (
            "personal-data",
            "Personal data",
            [
                "Reading this website requires no personal data and sets no audience "
                "measurement cookie.",
                "## Ceremony registrations",
                "When you register for a ceremony, we only collect the data needed to organise "
                "and secure the event. It is erased once the retention period stated for each "
                "ceremony has passed; only anonymous counts are kept.",
                "## Your rights",
                "You have the right to access, correct and erase your data: write to "
                "donnees-personnelles@mission-liberation.example.org. You may also lodge a "
                "complaint with the CNIL, the French data protection authority.",
            ],
        ),
    },
    "cookies": {
        "fr": (
            "gestion-des-cookies",
            "Gestion des cookies",
            [
                "Ce site ne dépose aucun cookie publicitaire ni de mesure d’audience.",
                "## Vidéos de plateformes tierces",
                "Les vidéos hébergées par Dailymotion, YouTube ou Vimeo ne sont chargées que "
                "lorsque vous cliquez sur le bouton de lecture : aucune requête n’est envoyée "
                "à ces plateformes auparavant. En les chargeant, vous acceptez les cookies que "
                "ces plateformes peuvent déposer.",
                "## Cookies techniques",
                "Un cookie de session et un cookie de protection contre la falsification de "
                "requêtes (CSRF) sont utilisés pour les formulaires et l’espace "
                "d’administration. Ils sont strictement nécessaires et exemptés de consentement.",
            ],
        ),
        "en": (
            "cookies",
            "Cookie management",
            [
                "This website sets no advertising or audience measurement cookie.",
                "## Videos from third-party platforms",
                "Videos hosted by Dailymotion, YouTube or Vimeo are only loaded when you click "
                "their play button: no request reaches these platforms before that. By loading "
                "them, you accept the cookies these platforms may set.",
                "## Technical cookies",
                "A session cookie and a cross-site request forgery (CSRF) protection cookie "
                "are used by forms and the administration. They are strictly necessary and "
                "exempt from consent.",
            ],
        ),
    },
}
