"""Word lists that carry the rule engine: cues, stop words and gazetteers.

The short cue lists are written here by hand. The long lists (first names,
surnames, places) are generated into ``searchtui/data`` by
``tools/gen_entity_data.py``; ``SOURCES.md`` there records where they come from.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Honorifics and titles before a name: their presence makes what follows a person.
PERSON_TITLES = _words(
    """
    Mr Mr. Mrs Mrs. Ms Ms. Miss Messrs Messrs. Mx Dr Dr. Prof Prof. Professor Sir Dame Lord Lady Sen
    Sen. Sens. Senator Senators Rep Rep. Reps. Representative Congressman Congresswoman Gov Gov.
    Governor Lt. Gen Gen. General Col Col. Colonel Maj. Major Capt. Captain Sgt. Sergeant Adm.
    Admiral Cmdr. Commander Cpl. Corporal Pvt. Private Lieutenant Marshal Field President
    Vice-President Premier Chancellor Minister Secretary Ambassador Envoy Commissioner Mayor Counsel
    Adviser Advisor Judge Justice Magistrate Attorney Prosecutor Sheriff Chief Chairman Chairwoman
    Chairperson Speaker Leader Whip Director Spokesman Spokeswoman Spokesperson Officer Inspector
    Detective Supt. Det. Insp. Coach Manager Striker Midfielder Defender Goalkeeper Captain Skipper
    King Queen Prince Princess Emperor Empress Pope Cardinal Archbishop Bishop Rev. Reverend Father
    Rabbi Imam Sheikh Sheik Ayatollah Mullah Emir Sultan Crown Duke Duchess Count Countess Baron CEO
    Chief-Executive Founder Co-founder Anchor Host Author Economist Analyst President-elect
    President-Elect Vice-President-elect Governor-elect Mayor-elect Senator-elect Premier-elect
    Chancellor-elect Prime-Minister-elect Secretary-designate Nominee
    """
)

#: Titles written without a full stop that are also common words on their own ("Mr",
#: "Sir", "Lord"): they open a name only when a name follows ("Mr Starmer", "Sir Keir").
HONORIFICS = _words("Mr Mrs Ms Mx Miss Dr Sir Dame Lord Lady Prof Professor Sen Rep Gov")

#: Words that form a role together with a title ("Prime Minister", "Attorney General");
#: stripped next to a title, never part of a name.
ROLE_WORDS = _words(
    """
    Vice Prime Deputy Assistant Acting Former Ex Chief Senior Special Majority Minority Foreign
    Defense Defence Finance Interior Home Trade Health Education Energy Labor Labour Treasury State
    Press General Attorney Executive Managing First Lady Supreme Associate District Federal Circuit
    Superior High Appeals Head National Security Adviser Advisor Counsel Independent Interim
    Opposition Party Rebel Army Navy Air Force Police Fire Junior Regional Provincial Party
    """
)

#: The last word of an organisation's name.
ORG_SUFFIXES = _words(
    """
    Party Committee Commission Council Department Dept. Ministry Agency Administration Bureau Office
    Service Services University College Institute Institution School Academy Court Tribunal Board
    Authority Association Federation Union League Society Foundation Fund Trust Alliance Coalition
    Organization Organisation Network Group Holdings Partners Company Co. Corp Corp. Corporation Inc
    Inc. Incorporated Ltd Ltd. Limited LLC LLP PLC Plc plc AG SA GmbH NV Bank Bancorp Exchange
    Airlines Airways Motors Industries Systems Technologies Technology Communications
    Pharmaceuticals Energy Petroleum Oil Insurance Securities Capital Investments Ventures Media
    Entertainment Studios Records Times Post Journal News Herald Tribune Telegraph Gazette Chronicle
    Press Magazine Review Daily Weekly Observer Examiner Inquirer Monitor Beacon Caucus Congress
    Parliament Senate Assembly Cabinet Army Navy Guard Force Forces Corps Police Command Brigade
    Brigades Front Movement Taliban Club FC United Rovers Wanderers Athletic Athletics Albion
    Hotspur Rangers Celtic Sporting Racing Team Church Mission Center Centre Hospital Clinic
    Laboratory Laboratories Lab Labs Museum Library Project Initiative Program Programme Conference
    Caucus Secretariat Inc Co Cos Cos. Reuters Airline Railway Railways Stores Foods Brands Motor
    Steel Electric Chemical Chemicals Mining Telecom Cooperative Syndicate Consortium Council
    Directorate Commission Watch Brothers Bros Bros. Markets Associates Bancshares Bancorporation
    Financial SpA BV KK Pty Bhd Berhad AB ASA Oyj Cie Newsroom Newsdesk
    """
)

#: The last word of a company's name ("Inc", "& Co", "Brothers"): the words before it also
#: name the company within the article ("Salomon Brothers" ... "Salomon").
#: The legal forms of a company ("Inc", "PLC", "GmbH"): also what the index drops to
#: join "Ford Motor Co" and "Ford Motor Company" (``searchtui.canonical``).
LEGAL_FORMS = _words(
    """
    Inc Inc. Incorporated Corp Corp. Corporation Co Co. Cos Cos. Company Ltd Ltd. Limited LLC LLP
    LP PLC Plc plc AG SA NV N.V. S.A. GmbH SpA BV KK Pty Bhd Berhad AB ASA Oyj Cie
    """
)
COMPANY_SUFFIXES = LEGAL_FORMS | _words(
    """
    Brothers Bros Bros. Holdings Group Industries Bancorp Bancshares Bancorporation Securities
    Partners Associates Markets
    """
)

#: Two last words that end a company's name whatever comes before them ("Moody's
#: Investors Service", "Goldman Sachs Asset Management").
COMPANY_ENDINGS = frozenset(
    (
        "Investors Service", "Capital Markets", "Asset Management", "Investment Management",
        "Capital Management", "Financial Services", "Investment Bank", "Investment Trust",
    )
)

#: Lower-case words before "at", "of" or "in" that put a company after them ("an analyst at
#: ...", "shares of ...", "a stake in ...").
ORG_BEFORE_AT = _words(
    """
    analyst analysts economist economists strategist strategists dealer dealers trader traders
    broker brokers banker bankers executive executives
    """
)
ORG_BEFORE_OF = _words("shares stake stakes holding holdings")
#: Lower-case words right after a company's name ("... analyst John Smith").
ORG_AFTER = _words("analyst analysts economist economists strategist strategists")

#: Words that read as titles but are also adjectives in names ("General Agreement", "Major
#: League", "Private Bank"): before one word that is no name and looks like a noun, not a title.
ADJECTIVE_TITLES = _words(
    "General Major Private Field Crown Chief Count Host Anchor Author Founder Officer"
)
#: Endings of English nouns that are not surnames ("Agreement", "Dynamics", "Accounting").
NOUN_ENDINGS = ("ment", "tion", "sion", "ity", "ics", "ance", "ence", "ing", "ness", "ship")

#: Words of a region's name before a point of the compass ("Far East", "Deep South").
REGION_WORDS = _words("Far Near Middle Mid Deep Upper Lower Greater Outer Inner Wild")
COMPASS = _words("East West North South Northeast Northwest Southeast Southwest")

#: A modifier and a generic organisation word make no name of their own ("Central Bank",
#: "State Government"), unless the alias table knows it.
GENERIC_MODIFIERS = _words("Central Federal State National Local Regional Provincial Municipal")
GENERIC_HEADS = _words("Bank Banks Government Governments Authorities Authority Ministry")

#: The first word of an organisation's name when "of" follows ("Bank of England").
ORG_HEADS = _words(
    """
    Department Ministry University College Institute Bank Board Bureau Council Court Commission
    Committee Office Federation Association Union League Society Church Academy School Party
    Organization Organisation Army Navy Congress Parliament House Chamber Federal Conference
    Government Fund Order Agency Museum Hospital Centre Center
    Division Secretariat Directorate Coalition Alliance Foundation Archdiocese Diocese
    """
)

#: The last word of the name of an event, never a surname: "Atlanta Games" and
#: "Madrid Open" name no person, and no team or company either.
EVENT_WORDS = _words(
    """
    Games Olympiad Olympics Cup Open Championship Championships Trophy Tournament Classic
    Marathon Festival Series Accord Accords Agreement Treaty Protocol Convention Conventions
    Doctrine
    """
)

#: The last word of a place's name.
PLACE_SUFFIXES = _words(
    """
    City County Province Region District Territory Island Islands Peninsula Valley River Lake Lakes
    Mountains Mountain Mount Mt. Desert Sea Ocean Gulf Bay Strait Straits Canal Coast Heights Hills
    Beach Springs Falls Harbor Harbour Borough Township Parish Oblast Prefecture Governorate Airport
    Tower Towers Square Street Avenue Boulevard Park Bridge Stadium Arena Palace Plaza Mall
    """
)

#: Capitalised words that are never an entity by themselves: pronouns,
#: determiners, conjunctions, sentence openers, adverbs.
COMMON_CAPS = _words(
    """
    A An The This That These Those It Its He His Him She Her Hers They Their Them We Our Us You Your
    I Me My Mine Who Whom Whose What Which When Where Why How Whether If Then Than Though Although
    And But Or Nor So Yet For Of In On At By To From With Without Within Into Onto Over Under About
    After Before During Since Until Till While As Because Despite Also Even Still Just Only Not No
    Yes Here There Now Today Tonight Tomorrow Yesterday Meanwhile However Moreover Furthermore
    Instead Indeed Perhaps Maybe Already Later Earlier Some Many Most Much More Few Several All Both
    Each Every Either Neither Any Another Other Others Such One Two Three Four Five Six Seven Eight
    Nine Ten First Second Third Last Next Former Mr Mrs Ms Dr Sir Madam Please Thank Thanks
    Do Does Did Is Are Was Were Be Been Being Has Have Had Can Could Will Would Shall Should May
    Might Must Let Says Said Asked Told According Like Unlike Among Amid Between Against Across
    Through Throughout Around Along Beyond Toward Towards Via Per Upon Whatever Whoever Everyone
    Everybody Everything Nobody Nothing Someone Somebody Something Anyone Anything Once Twice Again
    Sometimes Often Never Always Why Overall Finally Ultimately Eventually Currently Recently
    Previously Similarly Additionally Specifically Notably Importantly Still Otherwise Thus Hence
    Oh Well Yeah Ok OK Okay Well Sure Hey Wow Look See Read Watch Click Share Subscribe Follow Sign
    Get Got Make Take Give Keep Find Join Learn Send Stay Try Find Visit Download Listen Continue
    Update Editor Note Photo Image Video Source Sources Breaking Exclusive Opinion Analysis Related
    Advertisement Copyright Reporting Writing Editing Additional Contributing Chapter Section Part
    Page Figure Table Top Bottom Left Right Center Inside Outside Back Front Home Story Stories News
    Live Updates Update Here's It's That's There's What's Who's He's She's They're We're I'm Don't
    Won't Can't Isn't Aren't Wasn't Weren't Didn't Doesn't Haven't Hasn't Hadn't Wouldn't Couldn't
    Shouldn't Let's Ah Um Uh Dear Hi Hello Goodbye Sorry Yes No Not Nor Else Whereas Unless Whenever
    Wherever Everywhere Anywhere Somewhere Nowhere Instead Rather Quite Very Too Enough Almost
    Nearly Roughly About Approximately Virtually Mostly Largely Partly Fully Only Mainly Primarily
    Obviously Clearly Apparently Reportedly Allegedly Presumably Surely Certainly Definitely
    Probably Possibly Hopefully Fortunately Unfortunately Interestingly Ironically Sadly Luckily
    Frankly Honestly Seriously Basically Essentially Literally Actually Really Simply Generally
    Usually Typically Normally Traditionally Historically Initially Originally Subsequently
    Consequently Accordingly Nevertheless Nonetheless Regardless Notwithstanding Likewise
    """
)

WEEKDAYS = _words(
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday "
    "Mon Tue Tues Wed Thu Thurs Fri Sat Sun"
)
MONTHS = _words(
    "January February March April May June July August September October November December "
    "Jan Jan. Feb Feb. Mar Mar. Apr Apr. Jun Jun. Jul Jul. Aug Aug. Sep Sep. Sept Sept. Oct Oct. "
    "Nov Nov. Dec Dec."
)
#: Month names that are also people's names: a month only before a number.
NAME_MONTHS = _words("May June April August")

#: Words for groups, nationalities, religions, holidays, eras and other
#: capitalised non-entities; they split a capitalised run and are dropped.
NON_ENTITY = _words(
    """
    Democrat Democrats Republican Republicans Democratic Conservative Conservatives Liberal Liberals
    Independent Independents Libertarian Libertarians Socialist Socialists Communist Communists
    Progressive Progressives Tory Tories Labourite Whig Whigs Evangelical Evangelicals Catholic
    Catholics Protestant Protestants Christian Christians Christianity Muslim Muslims Moslem Moslems
    Islam Islamic Islamist Islamists Jew Jews Jewish Judaism Hindu Hindus Sikh Sikhs Buddhist
    Buddhists Mormon Mormons Shiite Shiites Shia Sunni Sunnis Orthodox Arab Arabs Latino Latinos
    Latina Latinas Latinx Hispanic Hispanics Blacks Whites Asian Asians African Africans European
    Europeans Westerners Easterners Northerners Southerners Day Eve Week Christmas Easter
    Thanksgiving Ramadan Hanukkah Passover Halloween Eid Diwali Lent Advent Internet Web Twitter-ers
    God Lord Bible Koran Quran Constitution Amendment Act Bill Covid COVID COVID-19 Coronavirus
    Celsius Fahrenheit Nobel Olympic Olympics Oscar Oscars Emmy Grammy Millennials Boomers Gen
    Americans Brexit Obamacare Medicare Medicaid Doctor Nurse Professor Mother Mom Dad Grandma
    Grandpa Aunt Uncle Sister Brother Baby Kid Kids Ms Mr Mrs Dr Sen Rep Gov Gen Lt Col Sgt St Jr Sr
    Esq PhD MD Ph.D. M.D.
    """
)

#: Nationalities and other adjectives of place: not entities (CoNLL's MISC),
#: but a cue that a place, team or organisation is near.
DEMONYMS = _words(
    """
    American Americans British Briton Britons English Scottish Scots Welsh Irish Northern-Irish
    French German Germans Italian Italians Spanish Spaniard Spaniards Portuguese Dutch Belgian
    Belgians Swiss Austrian Austrians Swedish Swede Swedes Norwegian Norwegians Danish Dane Danes
    Finnish Finn Finns Icelandic Polish Pole Poles Czech Czechs Slovak Slovaks Hungarian Hungarians
    Romanian Romanians Bulgarian Bulgarians Greek Greeks Turkish Turk Turks Cypriot Cypriots Russian
    Russians Ukrainian Ukrainians Belarusian Belarussian Lithuanian Latvian Estonian Georgian
    Armenian Armenians Azerbaijani Azeri Kazakh Uzbek Serbian Serb Serbs Croatian Croat Croats
    Bosnian Bosnians Slovenian Slovene Albanian Albanians Macedonian Montenegrin Kosovar Moldovan
    Chinese Japanese Korean Koreans Taiwanese Mongolian Vietnamese Thai Cambodian Laotian Burmese
    Malaysian Malaysians Indonesian Indonesians Filipino Filipinos Philippine Singaporean Indian
    Indians Pakistani Pakistanis Bangladeshi Sri-Lankan Nepalese Nepali Afghan Afghans Iranian
    Iranians Persian Iraqi Iraqis Syrian Syrians Lebanese Jordanian Jordanians Israeli Israelis
    Palestinian Palestinians Saudi Saudis Yemeni Yemenis Omani Emirati Qatari Kuwaiti Bahraini
    Egyptian Egyptians Libyan Libyans Tunisian Algerian Algerians Moroccan Moroccans Sudanese
    Ethiopian Ethiopians Eritrean Somali Somalis Kenyan Kenyans Ugandan Tanzanian Rwandan Congolese
    Nigerian Nigerians Ghanaian Senegalese Malian Ivorian Cameroonian Angolan Zambian Zimbabwean
    Zimbabweans Mozambican Namibian Botswanan South-African Canadian Canadians Mexican Mexicans
    Guatemalan Honduran Salvadoran Nicaraguan Costa-Rican Panamanian Cuban Cubans Haitian Haitians
    Dominican Jamaican Puerto-Rican Colombian Colombians Venezuelan Venezuelans Ecuadorian Peruvian
    Peruvians Bolivian Chilean Chileans Argentine Argentinian Argentines Uruguayan Paraguayan
    Brazilian Brazilians Australian Australians Aussie Aussies Kiwi Kiwis Zealander Zealanders
    Soviet Soviets Yugoslav Kurd Kurds Kurdish Pashtun Tamil Tamils Sinhalese Uighur Uighurs Uyghur
    Uyghurs Tibetan Tibetans Chechen Chechens Basque Basques Catalan Catalans Flemish Walloon
    Bavarian Texan Texans Californian Californians Floridian New-Yorker New-Yorkers Londoner
    Londoners Parisian Parisians Muscovite Muscovites Caribbean Scandinavian Balkan Baltic Nordic
    Slavic Arabic Hebrew Latin Yiddish Hindi Urdu Farsi Mandarin Cantonese Bengali Punjabi Swahili
    Zulu Afrikaans Gaelic Celtic-language Anglo Franco Sino Indo Euro Pan Trans
    """
)

#: Words after a name that mark a person ("X said", "X, 45,").
PERSON_AFTER = ("said", "says", "told", "added", "wrote", "tweeted", "explained", "argued", "noted",
                "asked", "replied", "recalled", "insisted", "stated", "who", "whose")


@dataclass(frozen=True)
class Gazetteer:
    first_names: frozenset[str]
    surnames: frozenset[str]
    #: place name -> kind: country, state, continent, capital, bigcity, city, region
    places: dict[str, str]


def _data_lines(name: str) -> list[str]:
    text = (resources.files("searchtui") / "data" / name).read_text(encoding="utf-8")
    return [ln for ln in text.splitlines() if ln and not ln.startswith("#")]


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The generated name and place lists, read once per process."""
    places: dict[str, str] = {}
    for line in _data_lines("places.tsv"):
        kind, _, name = line.partition("\t")
        places[name] = kind
    return Gazetteer(
        first_names=frozenset(_data_lines("first_names.txt")),
        surnames=frozenset(_data_lines("surnames.txt")),
        places=places,
    )


#: Lower-case words just before a name that say what it names
#: ("dissident Wang Donghai", "news agency Interfax", "the town of Arbil").
PERSON_BEFORE = _words(
    """
    dissident activist leader spokesman spokeswoman minister president premier chancellor
    secretary ambassador envoy official officials chairman chairwoman director executive chief
    analyst economist strategist trader dealer lawyer attorney judge prosecutor detective officer
    coach manager captain striker midfielder defender goalkeeper forward winger keeper batsman
    bowler spinner all-rounder pitcher catcher outfielder shortstop quarterback driver rider cyclist
    jockey skipper champion seed veteran player rookie golfer boxer sprinter runner swimmer skier
    actor actress singer writer author novelist poet artist director producer photographer
    journalist reporter correspondent editor columnist commentator professor scientist researcher
    doctor surgeon nurse priest bishop cardinal pope rabbi imam cleric general colonel commander
    soldier sergeant lieutenant governor mayor senator congressman congresswoman lawmaker legislator
    candidate nominee challenger rival incumbent opponent deputy aide adviser advisor counsel
    wife husband son daughter brother sister father mother widow uncle aunt nephew niece cousin
    businessman businesswoman tycoon billionaire millionaire founder owner investor banker
    Dutchman Frenchman Englishman Irishman Scotsman Welshman countryman compatriot teammate
    team-mate partner colleague friend fellow his her their
    """
)
ORG_BEFORE = _words(
    """
    agency newspaper daily weekly magazine broadcaster network channel station radio television
    company firm group conglomerate corporation maker carmaker automaker manufacturer producer
    retailer supplier distributor operator carrier airline insurer lender bank brokerage broker
    exchange fund club side team outfit franchise party movement organisation organization
    association union federation league council committee ministry department institute
    university college school unit subsidiary division parent rival partner
    """
)
#: Words of table lines, in lower case: earnings tables ("Shr 1.20 dlrs vs 1.10", "Revs 12.1
#: mln vs 10.9", "Qtly div 15 cts vs 15 cts prior", "Pay April 15"), stock lists ("up 1/4")
#: and standings. A line of numbers and these words holds no entities.
TABLE_WORDS = _words(
    """
    shr shrs net revs rev sales oper qtr qtly div divs dlr dlrs ct cts mln mlns bln billion
    million pct vs vs. v prior avg loss profit yr year mth mths months wk wks weeks quarter qtrs
    note pay payable record dividend dividends share shares per extraordinary gain gains credit
    charge charges income operating earnings total up down off unch unchanged pts points yen stg
    tax pretax primary diluted fully backlog assets deposits loans nil nm na n.a. a b c p x
    high low last close open chg change pc
    """
)

#: Words often written in capitals that are not organisations.
CAPS_WORDS = _words(
    """
    TV ET PT EST EDT PST PDT CST GMT UTC AM PM CEO CFO COO CTO GDP DNA OK USD LOL PHOTO PHOTOS VIDEO
    MORE UPDATE UPDATED NEWS WATCH READ RELATED EXCLUSIVE BREAKING ADVERTISEMENT COVID AIDS HIV IPO
    LGBT LGBTQ MP MPS RBI PAC PACS SUPER ERA NB PS FAQ DIY VIP MVP ID IQ PC APP URL PDF SUV GPS AI
    IT HR PR UK US BREAKING NOTE EDITOR CLICK HERE SUBSCRIBE SIGN SHARE TWEET THE AND OF FOR TO IN
    ON AT BY GNP CPI PPI PMI EPS NAV LBO ETF REIT ECU SDR EUR GBP JPY PCT DLRS MLN BLN CAPS
    """
)
