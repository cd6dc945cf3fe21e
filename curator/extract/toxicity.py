"""Toxicities: a syndrome (via the syndromes vocabulary), its grade as written, and how many had it.

Rules
  toxicity.graded     grade ≥3 CRS in 12%, grade 3-4 ICANS, CRS (grade ≥3, 13%), severe CRS, high-grade CRS
  toxicity.frequency  CRS occurred in 30 (79%) patients, 12% of patients developed ICANS, no grade ≥3 CRS
  toxicity.mention    the syndrome is named (first mention), without grade or frequency
  toxicity.contrast   the syndrome is the outcome two groups are compared on, its incidence given only so
  toxicity.event_list a list of adverse events after a head that names them ('events were: nail changes in 8
                      patients (44%), dysgeusia in 7 (39%)'), whatever the names
Grades keep what was written (`grade_as_reported`) and give `grade` (the lower bound, int), `grade_operator`
('=', '≥', '≤' or 'range' with `grade_max`). "grade ≥3 CRS and ICANS" gives the grade to both. Percentages in
lists ("CRS and ICANS occurred in 12% and 18%") are assigned in order with "respectively", or without it when
one list of as many percentages follows the verb and nothing else in the clause is a number; else left out;
a list's shares may come grade by grade ('(any grade, 92% and 60%; grade ≥3, 6% and 21%, respectively)', '74% and
45%, and grade ≥3 in 7% and 15%, respectively'). Words without numbers between a syndrome and its verb of
occurrence ('CRS, graded by the Lee scale, was observed in 96 of 154 patients (62.3%)') do not part it from the
clause's one share; a grade list after a colon ('ICANS was more frequent: any grade in 61%, grade ≥3 in 29%') and
a breakdown with counts in words ('grade 2 in three, grade 3 in one') give further rows.
Ambiguous words ("neurotoxicity", "CRS", "HLH") count only in a CAR-T / immune-effector context; a syndrome
named as a point of reference ("resembling HLH", "adapted from primary HLH") is not a toxicity.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

from curator.domain.vocabulary import normalize_key
from curator.extract.cohort import WORDNUM, one_case
from curator.extract.context import LITERATURE, Doc
from curator.extract.model import Suggestion, make
from curator.extract.patterns import NB, NUM, OCCURRENCE_VERBS, to_float
from curator.extract.subjects import clause_start

_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5}
G = r"(?:[0-5](?![\d.])|IV|V|III|II|I)(?![a-z])"
_OPS = {"≥": "≥", ">=": "≥", "⩾": "≥", ">": ">", "≤": "≤", "<=": "≤", "⩽": "≤", "<": "<"}
_PLUS = (r"(?P<plus>\s?\+|\s++or\s++(?:higher|greater|above|more|worse)|\s++and\s++(?:higher|above|greater)"
         r"|\s++or\s++more|\s++(?:or\s++)?above)")
# blank runs are read once (possessive: what follows each never opens with a blank), so a long run of
# blanks after 'grade' is not re-split between neighbouring pieces (issue 16 item 6)
GRADE_PRE = re.compile(
    rf"(?:(?P<pre_op>≥|>=|⩾|>|≤|<=|<)\s*+(?:grades?|Gr|G)\s*+(?P<a1>{G})"
    rf"|\b(?:[Gg]rades?|Gr|G)\s*+(?:(?P<op>≥|>=|⩾|>|≤|<=|<)\s*+)?(?P<a2>{G})(?:\s*+(?:-|–|—|to|or|and|/)\s*+(?:G|grade\s*+)?"
    rf"(?P<b2>{G}))?{_PLUS}?"
    r"|(?P<word>(?i:\bany[- ]grade|\ball[- ]grades?|\bhigh[- ]grade|\blow[- ]grade|\bsevere|\bmild|\bmoderate"
    r"|\blife[- ]threatening|\bfatal)))"
    rf"(?P<abbr>\s*+\((?P<ab_op>≥|>=|⩾|>)?\s*+(?:[Gg]rades?|Gr|G)\s*+(?:(?P<ab_op2>≥|>=|⩾|>)\s*+)?(?P<ab_a>{G})"
    rf"(?:\s*+(?:-|–|—|to|/)\s*+(?P<ab_b>{G}))?(?P<ab_plus>\+|\s++or\s++(?:higher|greater|above|more|worse))?\))?"
    # a timing word between the grade and the syndrome: 'grade ≥3 early ICAHT', 'grade 2 delayed neurotoxicity'
    r"(?:\s++(?i:early|late|delayed|prolonged|persistent|recurrent|refractory|acute))?\s*$")
G_END = r"(?:[0-5](?!\d|[.·]\d)|IV|V|III|II|I)(?![a-z])"  # a grade that may end the sentence ('grade ≥3.')
# (a blank run is entered only at its first blank, read once: a search does not restart inside it)
GRADE_POST = re.compile(
    rf"(?:(?<!\s)\s++)?(?:\(\s*+|,\s*+)?(?:of\s+|all\s++)?(?:(?:[Gg]rades?|G)\s*+(?P<op>≥|>=|⩾|>|≤|<=|<)?\s*(?P<a>{G_END})"
    rf"(?:\s*(?:-|–|—|to|or|/)\s*(?P<b>{G_END}))?{_PLUS}?|(?P<word>any[- ]grade|all[- ]grades?(?!\s*+[0-5IV])))")
_CNT = (r"(?:\d+|(?i:\b(?:" + "|".join(sorted((w for w in WORDNUM if " " not in w), key=len, reverse=True))
        + r")\b))")
FREQ_POST = re.compile(  # blank runs read once (possessive where what follows never opens with a blank)
    rf"(?:\s*+\((?:[A-Za-z][\w/-]{{1,12}}|(?:[Gg]rades?|G)\s*+(?:[≥≤<>]\s*+)?[0-5IV]{{1,3}}(?:\s*+[-–]\s*+[0-5IV]{{1,3}})?\+?"
    # a definition by a threshold: 'Hypogammaglobulinemia (IgG <400 mg/dL) was present in ...'
    rf"|[A-Za-z][\w-]{{0,12}}\s*+[<>≤≥]\s*+[\d.,]+\s*+[\w/×⁹^ .-]{{0,20}})\))?"
    rf"\s*+(?:[,:(]\s*+)?(?:(?:incidences?|rates?|frequency)(?:\s*+[:=])?\s*+)?(?:(?:was|were|has\s+been|had\s+been)\s++)?"
    # 'CRS was infrequent, 9% (2/22)', 'ICANS was common (45%)'
    r"(?:(?:rare|infrequent|uncommon|common|frequent|mild|universal)\s*+(?:,\s*+|(?=[(\[]))(?:[(\[]\s*+)?)?"
    # (or what it affected: 'CRS affected 45 patients (39%)', 'was experienced by 45 patients')
    rf"(?:{OCCURRENCE_VERBS}\s++|affect(?:ed|ing)\s++)?"
    r"(?:(?:at|with)\s++(?:a|an)\s++(?:overall\s++)?(?:rate|incidence|frequency)\s++of\s++)?"  # 'at a rate of 80%'
    r"(?:(?:in|among|for)\s++|(?<=experienced\s)by\s++)?(?:all\s++(?=\d+\s+(?:patients?|pts|children|adults|subjects|cases)\b))?"
    rf"(?:n\s*+=\s*+)?(?:{NB}(?P<n>{_CNT})(?:\s*+(?:/|of|out\s+of)\s*+(?:the\s++)?(?P<d>\d+))?\s*+(?:(?:(?:evaluable|tested|treated|"
    rf"infused|assessable|analy[sz]ed|surviving)\s++)?(?:patients?|pts|children|adults|"
    rf"subjects|cases)\s*+)?[(\[,;]\s*+(?P<p>{NUM})\s?%"
    # the denominator after the share: '92 (85%) of 108 (evaluable) patients'
    rf"(?:\s*+[)\]]\s*+of\s++(?:the\s++)?(?P<d6>\d++)\s++(?:[\w-]++\s++){{0,2}}?(?:patients|pts|children|adults|subjects|"
    rf"recipients|participants)\b)?"
    # the share first, its count after it: '21.4% (n=12)', '8.3% of patients (5/60)', '90.9% (20/22)'
    rf"|{NB}(?P<p2>{NUM})\s?%(?:(?:\s++of\s++(?:the\s++)?(?:patients|pts))?\s*+[(\[]\s*+(?:n\s*+=\s*+(?P<n4>\d+)|(?P<n5>\d+)\s*+/\s*+"
    rf"(?P<d5>\d+))\s*+[)\]])?"
    rf"|(?:(?:the\s++)?(?:majority|most|half)\s++of\s++(?:the\s++)?(?:patients|pts|children|adults|subjects|cases)|all\s++"
    rf"(?:the\s++)?(?:patients|pts|children|adults|subjects|cases))\s*+[(\[]\s*+(?:n\s*+=\s*+(?P<n6>\d+)\s*+[,;]\s*+)?"
    rf"(?P<p5>{NUM})\s?%\s*+[)\]]"
    rf"|{NB}(?P<n2>\d+)\s*+(?:/|of|out\s+of)\s*+"
    rf"(?P<d2>\d+)|{NB}(?P<n3>{_CNT})\s++(?:patients?|pts|children|adults|subjects|cases)\b)"
    # a count that opens the next clause ('..., 109 patients (81.3%) experienced X') is X's, not this one's
    r"(?!\s*+(?:[(\[][^()\[\]]{0,20}[)\]]\s*+)?(?:[)\]]\s*+)?(?:experienced|developed|had|suffered|presented|required|"
    r"received)\b)")
FREQ_PRE = re.compile(  # blank runs read once: each optional piece takes the blanks before it, possessively
    # 'n of N', 'Six of eight', 'only 2 of the 8'
    rf"(?:{NB}(?P<n>{_CNT})(?:\s*+(?:/|of|out\s+of)\s*+(?:the\s++)?(?P<d>{_CNT}))?(?:\s*+[(\[]\s*+(?P<p>{NUM})\s?%\s*+[)\]])?"
    r"(?:\s*+of\s++(?:the\s++)?(?P<d9>\d++)(?=\s++(?:[\w-]++\s++)?(?:patients?|pts|children|adults|subjects)))?"  # '12 (29%) of 42 patients'
    r"(?:\s*+(?:(?:evaluable|tested|treated|infused|assessable|analy[sz]ed|surviving)\s++)?(?:patients?|pts|children|adults|subjects))?"
    r"(?:\s*+[(\[]\s*+(?P<p3>[\d.·]+)\s?%\s*+[)\]])?"
    # 'Most patients (n = 45, 90%) developed', 'the majority (n = 30; 60%) had'
    rf"|(?i:most|all|the\s++majority)(?:\s++(?:of\s++)?(?:the\s++)?(?:patients|pts|children|adults|subjects))?\s*+[(\[]\s*+"
    rf"(?:n\s*+=\s*+)?(?P<n8>\d++)\s*+[,;]\s*+(?P<p8>{NUM})\s?%\s*+[)\]]"
    rf"|(?:{NB}(?P<p2>{NUM})\s?%|(?P<pw>\b{_CNT})\s(?:per\s?cent|percent)\b)"
    r"(?:\s*+of\s++(?:the\s++)?(?:patients|pts|children|adults|subjects|cases|recipients))?"
    r"(?:\s*+[(\[]\s*+(?P<n7>\d+)\s*+/\s*+(?P<d7>\d+)\s*+[)\]])?)"  # 'Sixty-two percent of the patients (115/186)'

    r"\s*+(?:who\s++)?(?:developed|had|experienced|presented\s+with|suffered(?:\s+from)?|showed|(?:were\s+|was\s+)?diagnosed\s+with"
    r"|remained|became|(?:cases?|episodes?)\s++of"  # 'three (6%) cases of grade 5 CRS'
    r"|(?P<died>died\s+(?:of|from|due\s+to)|passed\s+away\s+(?:from|due\s+to)|succumbed\s+to)"
    # a cause in a list of deaths ('Four patients died: two from progression, one from sepsis on day 71', 'one on day
    # 38 of invasive aspergillosis', 'six of them from infections'): read only in a sentence about deaths
    r"|(?P<dfrom>(?:of\s++them\s++)?(?:on\s++day\s*+\d{1,3}\s++)?(?:from|due\s+to|of(?!\s++(?:whom|which|these|those|the|"
    r"them)\b))))"
    r"\s++(?:at\s+least\s+(?:one|1)\s++|a\s+median\s+of\s+\d+\s++|(?:some|any)\s++(?:grade|form|degree)\s++of\s++)?(?:any\s++|[\w-]+\s++(?:or|and)\s++|(?!(?:for|of|after|with|to|from|by|the)\b)[\w-]+\s++){0,2}$",
    re.IGNORECASE)
ALL_GRADE = re.compile(rf"\s*+[)\]]?\s*+[,;]?\s*+(?:and\s++)?(?:all|both)(?:\s++(?:events?|cases?|episodes?|of\s++them))?\s++(?:were\s++)?"
                       rf"(?P<g>[Gg]rades?\s*+(?P<a>{G_END})(?:\s*+(?:-|–|to|or|and)\s*+(?P<b>{G_END}))?)(?![\w%])")
GAPPED = re.compile(rf"\s*+,?\s*+and\s++{NB}(?P<n>{_CNT})\s*+[(\[]\s*+(?P<p>{NUM})\s?%\s*+[)\]]\s*+$")
FREQ_BRACKET = re.compile(
    rf"\s*[(\[]\s*(?:n\s*=\s*)?{NB}(?P<n>\d+)(?:\s*/\s*(?P<d>\d+))?\s*[,;]\s*(?P<p>{NUM})\s?%\s*[)\]]"
    # the syndrome's abbreviation and its share in one bracket: 'cytokine release syndrome (CRS; 73%)'
    rf"|\s*+[(\[]\s*+[A-Za-z][\w-]{{1,10}}+\s*+[;,]\s*+(?:(?P<n2>\d+)\s*+[(\[,]\s*+)?(?P<p2>{NUM})\s?%\s*+\)?\s*+[)\]]")
NEGATION = re.compile(r"(?:\bno\b|\bwithout\b|\babsence\s+of|\bfree\s+of|\bnone\s+(?:of\s+the\s+\w+\s+)?"
                      r"(?:developed|had|experienced))\s+(?:(?!(?:for|of|to|with|after|before)\b)\w+\s+){0,2}$",
                      re.IGNORECASE)
REFERENCE = re.compile(r"(?:resembl\w*|mimic\w*|similar\s+to|adapted\s+from|distinct\s+from|differ\w*\s+from|"
                       r"unlike|primary|familial|versus|vs\.?)\s+(?:\w+\s+){0,1}$", re.IGNORECASE)
LIST_JOIN = re.compile(r"^\s*+(?:,\s*+(?:and\s++|or\s++)?|and\s++|or\s++|/|&\s*+)\s*$")
_PLUS_ = _PLUS.replace("?P<plus>", "?P<plus_>")
GRADED_PAREN = re.compile(  # blank runs read once (possessive), as in GRADE_PRE
    rf"\s*+(?:of\s++(?:the\s++)?(?:patients|pts|children|adults|subjects|recipients|participants)\s*+)?[(\[]\s*+(?P<g>(?:[Gg]rades?|G)\s*+"
    rf"(?:(?P<op>≥|>=|⩾|>|≤|<=|<)\s*+)?(?P<a>{G})(?:\s*+(?:-|–|—|to|or)\s*+(?P<b>{G}))?{_PLUS}?)\s*+[,:;]?\s*+"
    rf"(?:(?P<n>\d+)\s*+[(\[]\s*+)?(?P<p>{NUM})\s?%\s*+\)?\s*+[)\]]"
    # percent first: 'CRS occurred in 82% (2% grade ≥3)'
    rf"|\s*+(?:of\s++(?:the\s++)?(?:patients|pts|children|adults|subjects|recipients|participants)\s*+)?[(\[]\s*+(?P<p_>{NUM})\s?%\s*+"
    rf"(?:of\s++(?:patients|pts)\s*+)?,?\s*+(?:with\s++|had\s++|were\s++)?(?P<g_>(?:[Gg]rades?|G)"
    rf"\s*+(?:(?P<op_>≥|>=|⩾|>|≤|<=|<)\s*+)?(?P<a_>{G})(?:\s*+(?:-|–|—|to|or)\s*+(?P<b_>{G}))?{_PLUS_}?)\s*+[)\]]")
_PLUS2 = _PLUS.replace("?P<plus>", "?P<plus>")
# each blank run is read once (possessive; what follows it never opens with a blank), so a long run of
# blanks is not re-split between neighbouring '\s*' pieces (issue 15 item 1)
PER_GRADE = re.compile(
    rf"\s*+(?:\)\s*+)?(?:(?:of\s+)?(?:the\s+)?(?:patients|participants|pts|children|adults)\s*+)?(?:(?i:grades?)\s*+(?=:))?"
    # '55 (48%) of 115 liso-cel recipients (grade 3 in one [1%])': the share's denominator and its group first
    rf"(?:of\s++\d++\s++(?:[\w-]++\s++){{0,2}}?(?:patients|participants|pts|children|adults|recipients)\s*+(?=\())?"
    rf"(?:(?:and\s++)?(?:was|were)\s++graded\s++as\s++follows\s*+)?"  # '... (89%) and was graded as follows: grade 1, ...'
    rf"(?:[,;:(—–]\s*+)?"
    rf"(?:(?:and\s++(?:was|were)|and|while|with|including|of\s+which|of\s+these|which\s+(?:was|were)|being|of)\s++)?"
    rf"(?:(?i:maximum|max\.?|peak|highest)\s++)?"  # '(maximum grade 2 in three, grade 3 in one)'
    rf"(?:(?i:severe|high[- ]grade|life[- ]threatening)\s*+\(\s*+(?=(?:[Gg]rades?|G)\s*+[≥>0-5IV]))?"  # 'severe (grade 3-4) in'
    rf"(?P<g>(?:[Gg]rades?|G)\s*+"
    rf"(?:(?P<op>≥|>=|⩾|>|≤|<=|<)\s*+)?(?P<a>{G})(?:\s*+(?:-|–|—|to|or|/)\s*+(?P<b>{G}))?{_PLUS2}?|(?i:any|all)[- ]grades?"
    rf"|(?i:severe|high[- ]grade|life[- ]threatening|fatal)(?=\s++in\b))"
    rf"\s*+\)?\s*+(?:(?P<syn>CRS|ICANS)\s*+)?(?:(?i:events?|cases?|episodes?)\s++(?=in\b))?"
    # the share after ':', '=', 'in', a bracket, or a blank alone ('CRS: any grade 90%, grade ≥3 7%'), or the count
    # and its share after a blank ('ICANS: G2 7 (12%), G3 28 (48%)')
    rf"(?:[,:=]\s*+|(?:(?:was|were)\s++)?(?:{OCCURRENCE_VERBS}\s++)?in\s++|\(\s*+|(?=\d[\d.·]*\s?%)"
    rf"|(?=\d++\s*+[(\[]\s*+\d[\d.·]*+\s?%)|(?=\d++(?![.·]\d)\s*+[,;]))"
    rf"(?:(?:{NB}(?P<n>{_CNT})\s*+(?:(?:patients?|pts)\s*+)?[(\[]\s*+)?(?P<p>{NUM})\s?%\s*(?:of\s+(?:the\s+)?(?:patients|pts)\s*)?[)\]]?"
    # a count alone, closing the item: '(grade 1-2, 36; grade 3, 4)', '(grade 3-4 in 4)'
    rf"|(?:n\s*+=\s*+)?{NB}(?P<n0>\d+|(?i:\b(?:one|two|three|four|five|six|seven|eight|nine|ten)\b))(?![.·]\d|\d)"
    rf"(?:\s++(?:patients?|pts))?(?=\s*+[)\];,.—–]|\s++and\b))")  # 'grade 1, n = 10; grade 2, n = 5', '— grade 1, 19 patients; ... —'
# the count first: '45 patients (75%) had CRS, including 5 (8%) with grade ≥3', '...; 5 (8%) were grade 3 or higher',
# or the share alone: '...; 13% were grade 3-4'
PER_GRADE_COUNT = re.compile(  # blank runs read once, as in PER_GRADE
    rf"\s*+(?:\)\s*+)?(?:(?:of\s++)?(?:the\s++)?(?:patients|participants|pts|children|adults)\s*+)?(?:[,;]\s*+|and\s++)(?:only\s++)?"
    rf"(?:(?:including|of\s+whom|of\s+which|of\s+these)\s++{NB}(?P<n8>\d+)(?![.·\d%])(?:\s++(?:patients?|pts))?"  # '..., of whom 2 had'
    # '... and only nine (4.8%) were grade 3 or above': the count may be a word
    rf"|(?:(?:including|of\s+whom|of\s+which|of\s+these|with)\s++)?(?:{NB}(?P<n>{_CNT})\s*+(?:(?:patients?|pts)\s*+)?"
    rf"[(\[]\s*+(?P<p>{NUM})\s?%\s*+[)\]]|{NB}(?P<p9>{NUM})\s?%(?:\s++of\s++(?:the\s++)?(?:patients|pts|cases))?))"
    rf"\s*+(?:(?:with|had|were|was|of\s+(?:which|whom)\s+were)\s++)?"
    rf"(?P<g>(?:[Gg]rades?|G)\s*+(?:(?P<op>≥|>=|⩾|>|≤|<=|<)\s*+)?(?P<a>{G_END})(?:\s*+(?:-|–|—|to|or)\s*+(?P<b>{G_END}))?"
    rf"{_PLUS}?)(?:\s+(?:CRS|ICANS|events?|toxicit(?:y|ies)))?(?=\s*[,;.)]|\s+and\b|$)")
# 'the (overall) incidence of CRS (after CAR-T) was 70%': the measure named before the syndrome, its value after
# a short qualifier without numbers
MEASURE_OF = re.compile(r"\b(?:incidences?|rates?|frequenc(?:y|ies)|proportions?|percentages?|occurrence)\s+of\s+"
                        r"(?:(?:any|all)[- ]grades?\s+)?$", re.IGNORECASE)
# 'the overall mortality caused by COVID-19 was 31%', 'deaths due to infection occurred in 4%': a fatal toxicity
MORTALITY_OF = re.compile(r"\b(?:mortality|deaths?|death\s+rate|case[- ]fatality(?:\s+rate)?)\s+(?:(?:caused|induced)\s+by|"
                          r"due\s+to|from|related\s+to|attribut(?:able|ed)\s+to|of)\s+$", re.IGNORECASE)
MEASURE_VALUE = re.compile(rf"[^\d;:%()]{{0,50}}?\b(?:was|were|reached|amounted\s+to)\s++(?:about\s++|approximately\s++|"
                           rf"nearly\s++|only\s++)?{NB}(?P<p>{NUM})\s?%", re.IGNORECASE)
# 'CRS developed in 90% (any grade) and 12% (grade ≥3)': further shares, each with its grade in brackets
PCT_GRADE = re.compile(
    rf"\s*+(?:\((?:any|all)[- ]grades?\)\s*+)?(?:,\s*+)?(?:and\s++)?{NB}(?P<p>{NUM})\s?%\s*+\(\s*+(?P<g>(?:[Gg]rades?|G)\s*+"
    rf"(?:(?P<op>≥|>=|⩾|>|≤|<=|<)\s*+)?(?P<a>{G})(?:\s*+(?:-|–|—|to|or)\s*+(?P<b>{G}))?{_PLUS}?)\s*+\)")
# a short qualifier between a syndrome and its frequency: 'cytopenias at day 30 were present in 40%',
# 'neutropenia persisted beyond day 28 in 30%', 'hypogammaglobulinemia (IgG < 400 mg/dL) was present in 70%',
# 'infection episodes occurred in ...' — a bracket without a share, a time phrase, or 'episodes/events'
QUALIFIER = re.compile(
    r"(?:\s*+\([^()%]{1,40}\)|\s++(?:episodes?|events?)\b|\s++(?:persist\w*\s++|lasting\s++)?(?:at|beyond|after|within|by|"
    r"during|on|from|through|over|for|(?:more|longer)\s+than|in\s+the\s+first)\s++[^,;.%()]{1,30}?"
    rf"(?=\s++(?:was|were|in|affected|{OCCURRENCE_VERBS})\b)){{1,2}}")
# 'Infections were the most common adverse event (45%)': the share in the bracket is the subject's
MOST_COMMON = re.compile(
    rf"\s++(?:was|were)\s++the\s++most\s++(?:common|frequent)\s++[^(),;.%]{{1,50}}?\s*+\(\s*+(?:n\s*+=\s*+)?"
    rf"(?:(?P<n>\d+)\s*+[,;(]\s*+)?(?P<p>{NUM})\s?%\s*+\)?\s*+\)", re.IGNORECASE)
# a syndrome that names the group a statement is about ('patients with severe CRS', 'those who developed ICANS',
# 'the risk of CRS'): without a count of its own it is no occurrence the text reports
GROUP_QUALIFIER = re.compile(
    r"(?:\b(?:patients|pts|those|children|adults|subjects|recipients|participants|cases|individuals|groups?|cohorts?|ones|"
    r"(?:non-?)?responders)\s+(?:with(?:out)?|"
    r"who\s+(?:did\s+not\s+)?(?:develop(?:ed)?|ha[dv]e?|experienc(?:ed|e))|experiencing|developing)|\b(?:risk|predictors?|"
    r"risk\s+factors?|prediction)\s+(?:of|for))\s+(?:(?!(?:and|or|but)\b)[\w≥≤()-]+\s+){0,3}$", re.IGNORECASE)
# a syndrome named as what a treatment is for: a count after it is the treatment's ('given for grade ≥2 CRS in 30
# patients', 'used to treat ICANS in 12 (20%)', 'to prevent CRS in all 20 patients')
PURPOSE = re.compile(
    r"\b(?:(?:for|in)\s+(?:the\s+)?(?:treatment|management|prevention|prophylaxis|control)\s+of|to\s+(?:treat|prevent|"
    r"manage|mitigate|control|reverse|abrogate)|(?:given|administered|used|received|receiving|required|requiring|"
    r"indicated|prescribed|initiated|started|needed|reserved|escalated)\s+(?:(?!(?:in|with|after|on|by)\b)\w+\s+){0,2}?for"
    r"|prevent(?:ion|ing)?(?:\s+of)?|prophyla\w*\s+(?:of|for|against)|treatment\s+(?:of|for)|management\s+of)"
    r"\s+(?:(?!(?:and|or|but|in)\b)[\w≥≤()-]+\s+){0,3}$", re.IGNORECASE)
ELIGIBILITY = re.compile(r"\b(?:eligib\w*|inclusion|exclusion|included\s+if|excluded\s+if|criteria|required\s+to\s+have)\b",
                         re.IGNORECASE)
CONTRAST = re.compile(r"\b[Pp]\s*[=<>≤≥]|\b(?:higher|lower|greater|fewer|more|less|than|vs\.?|versus|compared|"
                      r"associated|correlat\w*|predict\w*|differ\w*|increased|decreased|elevated)\b", re.IGNORECASE)
# a list's head naming a grade and a class of events, then its items each with a share
LIST_HEAD = re.compile(  # blank runs and words read once (possessive: what follows never opens with one)
    rf"(?P<g>(?:≥|>=|⩾|>)\s*+(?:[Gg]rades?|Gr|G)\s*+{G}|\b(?:[Gg]rades?|Gr|G)\s*+(?:(?:≥|>=|⩾|>)\s*+)?{G}"
    rf"(?:\s*+(?:-|–|to|/)\s*+{G})?(?:\+|\s++or\s++(?:higher|greater|above|more))?)\s++(?:[\w-]++\s++){{0,3}}?"
    r"(?:adverse\s++events?|AEs?|TEAEs?|toxicit(?:y|ies)|events?|complications?|cytopenias?)\s*+(?:\([A-Za-z]{2,6}\)\s*+)?"
    r"(?:included|including|were|was|consisted\s++of|comprised|:)\s*+")
# ... the grade after the events: 'The most frequent adverse events of grade 3 or higher were lymphopenia (100%), ...'
LIST_HEAD2 = re.compile(
    r"\b(?:adverse\s++events?|AEs?|TEAEs?|toxicit(?:y|ies)|events?|complications?)\s++of\s++"
    rf"(?P<g>(?:[Gg]rades?|G)\s*+(?:(?:≥|>=|⩾|>)\s*+)?{G}(?:\s*+(?:-|–|to)\s*+{G})?(?:\+|\s++or\s++(?:higher|greater|above|more))?)"
    r"\s++(?:included|including|were|was|consisted\s++of|comprised|:)\s*+")
# (each item read once: atomic, and the list possessive — an item cannot cross a bracket, so nothing is lost)
LIST_ITEMS = re.compile(rf"(?>[^;:.()]{{1,60}}?\(\s*+(?:\d+\s*+[,;]\s*+)?{NUM}\s?%\s*+\)\s*+,?\s*+(?:and\s++)?)*+")


def _last(rx: re.Pattern[str], text: str, start: int, end: int) -> re.Match[str] | None:
    m = None
    for m in rx.finditer(text, start, end):  # noqa: B007 (keeps the last match)
        pass
    return m


UNGRADED = {"HLH/MAS", "IEC-HS"}  # diagnosed by criteria: a neighbour's grade does not carry over
ABBR_DEF = re.compile(r"\s*\(\s*([A-Z][A-Za-z]{1,6}?)s?\s*\)")
# 'any grade and grade ≥3 NEs occurred in 58% and 13%, respectively': two grades of one syndrome, one list
GRADE_LIST_BEFORE = re.compile(
    rf"(?P<g0>\bany[- ]grade|\ball[- ]grades?|\b[Gg]rades?\s*+(?:(?:≥|>=|>|≤|<)\s*+)?{G}(?:\s*+(?:-|–|to)\s*+{G})?)"
    r"\s*+(?:,|and|or|as\s+well\s+as)\s*+$", re.IGNORECASE)  # blank runs read once, as in PER_GRADE
GRADE_NUM_LIST = re.compile(rf"\b[Gg]rades?\s*+(?P<items>{G}(?:\s*+,\s*+{G}){{0,4}}+\s*+,?\s*+(?:and|or)\s++{G})\s++$")
# (at most 13 items, read possessively: a search restarting at each number of a long run stays linear)
SHARED_PCT = re.compile(rf"(?<!,)(?<!,\s)(?P<items>{NB}{NUM}(?:\s*+,\s*+{NUM}){{0,12}}+\s*+,?\s*+(?:and|or)\s++{NUM})\s?%")


PARALLEL_PCTS = re.compile(  # blank runs read once, as in PER_GRADE
    rf"\s*+(?:(?:was|were)\s++)?(?:{OCCURRENCE_VERBS}\s++)?"
    rf"(?:in|among|(?<=experienced\s)by|(?<=affected\s))\s*+(?P<items>{NB}{NUM}\s?%(?:\s*+,\s*+{NUM}\s?%)*+\s*+(?:,\s*+)?(?:and|or)\s++{NUM}\s?%"
    rf"|{NB}{NUM}\s?%(?:\s*+/\s*+{NUM}\s?%)++)", re.IGNORECASE)  # or 'in 80%/20%' after 'CRS/ICANS'


# a list's shares by grade, each grade with one share per syndrome: 'CRS and ICANS (any grade, 92% and 60%; grade ≥3,
# 6% and 21%, respectively)'
GRADE_SEGMENT = re.compile(  # blank runs read once (possessive)
    rf"(?P<g>(?i:any|all)[- ]grades?|(?:[Gg]rades?|G)\s*+(?:[≥≤<>]\s*+)?{G}(?:\s*+(?:-|–|to|/)\s*+{G})?"
    rf"(?:\s++or\s++(?:higher|more|above))?)\s*+[,:]?\s*+(?:in\s++)?"
    rf"(?P<items>{NB}{NUM}\s?%(?:\s*+,\s*+{NUM}\s?%)*+\s*+(?:,\s*+)?(?:and|or)\s++{NUM}\s?%)")


UNGRADED_SEGMENT = re.compile(  # blank runs read once (possessive); matched from the tail's start
    rf"[^%\d]*+(?P<items>{NB}{NUM}\s?%(?:\s*+,\s*+{NUM}\s?%)*+\s*+(?:,\s*+)?(?:and|or)\s++{NUM}\s?%)[^%\d]*+$")


def _nested(group: list[int], pcts: list[Any], tail: str, shift: int, ps: list[Phrase],
            rows: list[tuple[Phrase, dict[str, Any]]]) -> bool:
    """Rows for a syndrome list whose shares are given grade by grade; False (nothing added) unless every share of
    the tail belongs to a grade segment with one share per syndrome."""
    segs: list[Any] = list(GRADE_SEGMENT.finditer(tail))
    if segs and "%" in tail[:segs[0].start()]:
        # 'CRS and ICANS occurred in 74% and 45%, and grade ≥3 in 7% and 15%, respectively': the first shares, before
        # any grade, are the list's own (any grade)
        lead = UNGRADED_SEGMENT.match(tail, 0, segs[0].start())
        if lead is None:
            return False
        segs.insert(0, lead)
    if len(segs) < 2 or len(pcts) != len(segs) * len(group):
        return False
    items = [list(re.finditer(rf"(?P<p>{NUM})\s?%", sg.group("items"))) for sg in segs]
    if any(len(it) != len(group) for it in items):
        return False
    for sg, it in zip(segs, items):
        if sg.re is UNGRADED_SEGMENT:
            for k, pm in zip(group, it):
                rows.append((Phrase(ps[k].syndrome, ps[k].as_written, ps[k].start, ps[k].end, ps[k].m_start, ps[k].m_end),
                             {"percent": to_float(pm.group("p")), "_end": shift + sg.start("items") + pm.end()}))
            continue
        gm = GRADE_PRE.search(sg.group("g") + " ")
        for k, pm in zip(group, it):
            q = Phrase(ps[k].syndrome, ps[k].as_written, ps[k].start, shift + sg.start("items") + pm.end(),
                       ps[k].m_start, ps[k].m_end)
            if gm is not None and not gm.group("word"):
                q.grade, q.grade_max, q.operator = _grade(gm, gm.group("a1") or gm.group("a2"), gm.group("b2"),
                                                          gm.group("pre_op") or gm.group("op"), gm.group("plus"))
            q.grade_as_reported = sg.group("g").strip()
            rows.append((q, {"percent": to_float(pm.group("p")), "_end": shift + sg.start("items") + pm.end()}))
    return True


class _Shifted:
    """A match inside a sub-string, read with offsets of the larger string."""

    def __init__(self, m: re.Match[str], shift: int) -> None:
        self.m, self.shift = m, shift

    def group(self, g: str) -> str | None:
        return self.m.groupdict().get(g) or None

    def end(self) -> int:
        return self.m.end() + self.shift


# a share followed by further shares ('78% and 31%') is a list's; one followed by 'vs' is a contrast's side
# the value list of a measure named before a syndrome list ('the rates of CRS and ICANS were 80% and 25%')
_GW = rf"(?:(?i:any|all)[- ]grades?|(?:[Gg]rades?|G)\s*+(?:[≥≤<>]\s*+)?{G}(?:\s*+(?:-|–|to|/)\s*+{G})?" \
      rf"(?:\s++or\s++(?:higher|more|above))?)"
GRADES_AFTER = re.compile(  # blank runs read once (possessive)
    rf"\s*+(?:of\s++)?(?P<g1>{_GW})\s*+,?\s*+and\s++(?P<g2>{_GW})\s++(?:(?:was|were)\s++)?"
    rf"(?:{OCCURRENCE_VERBS}\s++in|experienced\s++by|affected)\s++"
    rf"(?P<items>{NUM}\s?%\s*+,?\s*+and\s++{NUM}\s?%)")
SUBGROUP_PCTS = re.compile(  # blank runs read once (possessive)
    rf"\s*+(?:(?:was|were)\s++)?(?:{OCCURRENCE_VERBS}\s++in|experienced\s++by|affected|in)\s++"
    rf"(?P<items>{NUM}\s?%(?:\s*+,\s*+{NUM}\s?%){{0,4}}+\s*+,?\s*+and\s++{NUM}\s?%)")
MEASURE_LIST = re.compile(
    rf"\s*+(?:[^\d;:%()]{{0,40}}?\s)??(?:was|were|of)\s++(?P<items>{NB}{NUM}\s?%(?:\s*+,\s*+{NUM}\s?%)*+\s*+(?:,\s*+)?"
    rf"(?:and|or)\s++{NUM}\s?%)", re.IGNORECASE)
MEASURE_AFTER = re.compile(r"\s*+(?:incidences?|rates?|frequenc(?:y|ies)|proportions?)\s++(?:was|were)\b", re.IGNORECASE)
# a second list right after 'respectively' at one grade: '; grade ≥3 in 5% and 12%(, respectively)'
GRADE_LIST_AFTER = re.compile(
    rf"\s*+[;,]\s*+(?:and\s++|with\s++)?(?P<g>(?:≥|>=|>)\s*+[Gg]rade\s*+{G}|\b[Gg]rades?\s*+(?:(?:≥|>=|⩾|>)\s*+)?{G}"
    rf"(?:\s*+(?:-|–|to|or)\s*+{G})?(?:\+|\s++or\s++(?:higher|greater|above|more))?)\s++(?:(?:events?|cases?)\s++)?"
    rf"(?:(?:was|were)\s++)?(?:{OCCURRENCE_VERBS}\s++)?(?:in\s++)?"
    rf"(?P<items>{NB}{NUM}\s?%(?:\s*+,\s*+{NUM}\s?%)*+\s*+(?:,\s*+)?(?:and|or)\s++{NUM}\s?%)")
PCT_LIST_AFTER = re.compile(rf"\s*(?:%\s*)?(?:(?:,|and|or)\s*{NUM}\s?%|(?:[)\]]\s*+)?(?:of\s++\d++\s*+)?(?:;\s*)?(?:vs\.?|versus|compared)\b"
                            rf"|(?:[-–—]|to)\s*{NUM}\s?%)")  # or one bound of a range ('in 42%–93% of patients')

SYSTEMS = [
    ("ASTCT_2019", re.compile(r"\bASTCT\b|\bASBMT\b|American Society (?:for|of) Transplantation and Cellular "
                              r"Therapy|\bLee\b[^.;]{0,20}\b2019\b", re.IGNORECASE)),
    ("LEE_2014", re.compile(r"\bLee\b[^.;]{0,20}\b2014\b|Lee (?:criteria|scale|grading)", re.IGNORECASE)),
    ("PENN", re.compile(r"\bPenn(?:sylvania)? (?:grading|criteria|scale|system)|\bPenn\b(?=[^.;]{0,15}grad)",
                        re.IGNORECASE)),
    ("CTCAE_V5", re.compile(r"\bCTCAE\s*(?:v(?:ersion)?\s*)?5", re.IGNORECASE)),
    ("CTCAE_V4", re.compile(r"\bCTCAE\s*(?:v(?:ersion)?\s*)?4", re.IGNORECASE)),
    ("MSKCC", re.compile(r"\bMSKCC\b|Memorial Sloan Kettering (?:grading|criteria)", re.IGNORECASE)),
    ("CARTOX", re.compile(r"\bCARTOX\b|\bCRES\b", re.IGNORECASE)),
    ("HINES_2023", re.compile(r"\bHines\b", re.IGNORECASE)),
]


# toxicities the dev schema calls 'other' (infections, cytopenias, coagulopathy, organ injury, adverse events):
# general clinical words, read only in a CAR-T context and only when a frequency or grade is attached or the
# sentence is about the studied patients
OTHER_TOX = re.compile(
    r"\b(?:(?:(?:invasive\s+)?(?:bacterial|viral|fungal|opportunistic|severe|serious|bloodstream)\s+)?infections?"
    r"|bacter(?:a|ae|e)mia|sepsis|pneumonia|(?:febrile\s+)?neutropenia|thrombocytopenia|an(?:a)?emia|(?:pan)?cytopenias?"
    r"|lymphopenia|leukopenia|hypogammaglobulin(?:a)?emia|coagulopath(?:y|ies)|coagulation\s+(?:disorders?|abnormalit"
    r"(?:y|ies))|disseminated\s+intravascular\s+coagulation|acute\s+kidney\s+injury|AKI|tumou?r\s+lysis\s+syndrome"
    r"|parkinsonism|(?:cranial|facial)\s+nerve\s+pals(?:y|ies)|(?:cranial|facial)\s+(?:neuropath(?:y|ies)|pals(?:y|ies))"
    r"|Bell'?s\s+palsy|encephalitis|adverse\s+events?|AEs?"
    r"|hypofibrinogen(?:a)?emia|DIC|thrombos[ie]s|thromboembolism|h(?:a)?ematotoxicity"
    r"|hepatotoxicity|transaminitis|cardiotoxicity|arrhythmias?|atrial\s+fibrillation|(?:acute\s+)?renal\s+failure"
    r"|neutropenic\s+fever|febrile\s+neutropenia|(?:CMV|cytomegalovirus|HHV-6|EBV)\s+reactivation"
    # further classes the field reports as toxicities of the treated patients (extract_dev README: infections,
    # cytopenias, coagulation, organ injury, adverse events → 'other'), each a general clinical name
    r"|infectious\s+(?:complications?|events?|episodes?)|(?:CMV|cytomegalovirus|HBV|hepatitis\s+B|HSV|VZV|EBV|HHV-6|"
    r"adenovirus|BK\s+virus)\s+(?:infections?|reactivations?|viremia|viraemia)|viral\s+reactivations?|COVID-19(?:\s+pneumonia)?"
    r"|SARS-CoV-2\s+infections?|herpes\s+zoster|Pneumocystis\s+(?:jirovecii\s+)?pneumonia|ICAHT"
    r"|immune\s+effector\s+cell[- ]associated\s+h(?:a)?ematotoxicity|h(?:a)?ematologic(?:al)?\s+(?:toxicit(?:y|ies)"
    r"|adverse\s+events?)|non-?h(?:a)?ematologic(?:al)?\s+(?:toxicit(?:y|ies)|adverse\s+events?)|B[- ]cell\s+aplasia"
    r"|lymphocytopenia|bone\s+marrow\s+(?:failure|aplasia)|serious\s+adverse\s+events?|SAEs?|TEAEs?|TRAEs?"
    r"|(?:treatment|therapy)[- ]related\s+(?:toxicit(?:y|ies)|adverse\s+events?|deaths?|mortality)"
    r"|kidney\s+injury|renal\s+(?:impairment|dysfunction|insufficiency)|(?:liver|hepatic)\s+(?:injury|dysfunction)"
    r"|cardiac\s+(?:events?|toxicit(?:y|ies)|arrest|dysfunction|arrhythmias?)|cardiovascular\s+events?|heart\s+failure"
    r"|capillary\s+leak(?:\s+syndrome)?|respiratory\s+failure|pleural\s+effusions?"
    r"|graft[- ]versus[- ]host\s+disease|GVHD|(?:secondary|subsequent)\s+(?:primary\s+)?malignanc(?:y|ies)|second\s+primary\s+malignanc(?:y|ies)"
    r"|peripheral\s+neuropathy|movement\s+disorders?|Guillain[- ]Barr[eé](?:\s+syndrome)?|tumou?r\s+flare"
    # adverse-event terms in their CTCAE/MedDRA shapes ('neutrophil count decreased', 'decreased platelet count',
    # 'leukocytopenia', 'hypokalemia', 'ALT increased', 'elevated transaminases', 'pyrexia', 'fatigue')
    r"|(?:neutrophil|platelet|white\s+blood\s+cell|WBC|lymphocyte|leukocyte)\s+counts?\s+decreased"
    r"|decreased\s+(?:neutrophil|platelet|white\s+blood\s+cell|lymphocyte|leukocyte)\s+counts?"
    r"|leu[ck]ocytopenia|leucopenia|granulocytopenia|agranulocytosis|neutropenic\s+infections?"
    r"|hypo(?:kal|phosphat|natr|calc|magnes|album)(?:a)?emia|hyper(?:bilirubin|ferritin|uric)(?:a)?emia"
    r"|(?:elevated|increased)\s+(?:ALT|AST|transaminases?|liver\s+enzymes|bilirubin|creatinine)"
    r"|(?:ALT|AST|alanine\s+aminotransferase|aspartate\s+aminotransferase|blood\s+bilirubin)\s+increased"
    r"|pyrexia|fatigue|nausea|vomiting|diarrh(?:o)?ea|headache"
    r"|decreased\s+appetite|mucositis|sinus\s+tachycardia"
    # the adjective a cytopenia is stated with: '19% of patients remained thrombocytopenic'
    r"|(?:pan)?(?:thrombocytopen|neutropen|lymphopen|leukopen|cytopen)ic"
    # named infections, organ inflammation, bleeding, neurological and late complications (general clinical names)
    r"|(?:invasive\s+|pulmonary\s+)?(?:aspergillosis|mucormycosis|candidiasis)|candid(?:a)?emia|fungal\s+pneumonia"
    r"|progressive\s+multifocal\s+leukoencephalopathy|PML|pneumonitis|(?:neutropenic\s+)?(?:entero)?colitis|myocarditis"
    r"|(?:stress\s+)?cardiomyopathy|(?:maculopapular\s+)?rash|pericarditis|pericardial\s+effusions?|"
    r"(?:intracranial|intracerebral|gastrointestinal)\s+h(?:a)?emorrhages?"
    r"|h(?:a)?emorrhagic\s+events?|bleeding\s+(?:events?|episodes?)"
    r"|cerebral\s+o?edema|posterior\s+reversible\s+encephalopathy\s+syndrome|PRES|(?:transverse\s+)?myelitis|myelopathy"
    r"|myelodysplastic\s+syndromes?|MDS|(?:secondary\s+)?T[- ]cell\s+(?:lymphomas?|malignanc(?:y|ies))|neurocognitive\s+"
    r"(?:decline|impairment|deficits?)|(?:peripheral\s+)?(?:motor\s+)?neuropath(?:y|ies)"
    # cilta-cel's movement and neurocognitive events; liver injury as the tables name it
    r"|movement\s+and\s+neurocognitive\s+(?:treatment[- ]emergent\s+)?(?:adverse\s+events?|TEAEs?|toxicit(?:y|ies))|MNTs?"
    r"|transaminase\s+elevations?)\b", re.IGNORECASE)
# a sentence about deaths: where a list of causes ('two from progression, one from sepsis') counts fatal toxicities
DEATHS = re.compile(r"\b(?:died|deaths?|fatal(?:ities)?|mortality)\b", re.IGNORECASE)
# a case report's sentence dated on its timeline ('Neutropenia persisted until day 34'): about the patient
CASE_DAY = re.compile(r"\b(?:on|by|until|from|through|after)\s+(?:post-infusion\s+)?day\s*[+\-−]?\d{1,3}\b", re.IGNORECASE)
# the sentence is about the studied patient ('the patient', 'he', 'her'): a general clinical word named without a
# grade or count counts only there or in a case report's dated sentence (broader cues — 'a 9-year-old girl',
# 'patients developed', any sentence of a case report — added false alarms on both held-out sets in an earlier
# session and were taken back)
PATIENT_WORDS = re.compile(r"\b(?:the\s+patient|our\s+patient|he|she|his|her)\b", re.IGNORECASE)
OCCURRED = re.compile(r"\b(?:develop\w*|experienc\w*|suffer\w*|presented\s+with|diagnosed|occur\w*|complicated\s+by|"
                      # a case's course: 'progressed to grade 2 CRS', 'consistent with grade 3 parkinsonism',
                      # 'meeting criteria for IEC-HS', 'neutropenia persisted', 'remained thrombocytopenic'
                      r"progress\w*|evolv\w*|consistent\s+with|me(?:et|eting|t)\s+(?:the\s+)?(?:\w+\s+)?criteria|fulfill?\w*|"
                      r"persist\w*|remained|worsen\w*|escalat\w*|recurr\w*|(?:classified|graded|scored)\s+as|"
                      # 'Grade 1 CRS began on day +1', 'CRS peaked at grade 3', '(grade 2 CRS)' after what she became
                      r"began|begun|started|peaked|emerged|appeared|arose|became|required|"
                      r"manifest\w*|passed\s+away|died|had|showed|observed|noted|reported|recorded|(?:was|were)\s+"
                      r"(?:treated|managed)|resolved|incidences?\s+of|rates?\s+of|frequency\s+of)\b", re.IGNORECASE)
BACKGROUND = re.compile(r"\b(?:can|may|might|could|is\s+an?|are\s+(?:an?|the|common|frequent|known|serious|major|"
                        r"potentially)|remains?|known|commonly|often|typically|such\s+as|risk\s+factors?|"
                        r"predict\w*|hinder\w*|limit\w*+(?!\s++of\s++(?:normal|detection|quantification))|understudied|poorly|little\s+is|unclear|aim\w*|"
                        r"we\s+(?:sought|aimed|investigated|evaluated|analy[sz]ed|examined|assessed|focus\w*)|associated\s+with|"
                        # an objective ('To evaluate the incidence of ICANS ...', 'Objective: ...')
                        r"(?<![\w-])to\s+(?:evaluate|assess|determine|investigate|describe|characteri[sz]e|examine|identify|"
                        r"explore|analy[sz]e|estimate|quantify)|objectives?|purpose|"
                        # a general statement in the present ('the most common AEs reported are ...'), an effect on a
                        # risk ('did not increase the proportion of subjects who experience X'): not an occurrence
                        r"(?:reported|observed|described|seen)\s+are|did\s+not\s+(?:increase|decrease|reduce|raise|"
                        r"lower|affect|change)|at\s+risk\s+(?:for|of)|"
                        r"(?:more|less)\s+(?:common|frequent|likely|often)|correlat\w*|higher\s+risk|lower\s+risk|"
                        # an effect on a toxicity ('reduced the rate of grade ≥3 CRS', 'to prevent ICANS')
                        r"reduc(?:e|es|ed|ing|tion)|prevent\w*|mitigat\w*|prophyla\w*|abrogat\w*|"
                        # other studies ('has been reported', 'in the pivotal trials')
                        r"(?:has|have)\s+been\s+(?:reported|described|documented)|pivotal|registration(?:al)?\s+trials?|"
                        r"in\s+the\s+literature|"
                        # a protocol's plans and a conclusion's summary restate, they do not report ('the primary
                        # endpoint is the incidence of severe CRS', 'These data support ... a low incidence of severe CRS')
                        r"will|primary\s+(?:end\s*-?points?|outcomes?|objectives?)|secondary\s+(?:end\s*-?points?|outcomes?)|"
                        r"these\s+(?:data|findings|results|observations)|in\s+conclusion|we\s+conclude|support\w*)\b",
                        re.IGNORECASE)


@dataclass
class Phrase:
    syndrome: str
    as_written: str
    start: int  # whole phrase (grade words + syndrome + post grade)
    end: int
    m_start: int  # the syndrome mention itself
    m_end: int
    grade: int | None = None
    grade_max: int | None = None
    operator: str | None = None
    grade_as_reported: str | None = None

    @property
    def graded(self) -> bool:
        return self.grade_as_reported is not None

    @property
    def endpoint(self) -> str:
        if self.syndrome == "other":
            return f"{self.grade_as_reported} {self.as_written}" if self.grade_as_reported else self.as_written
        if self.grade is None:
            if self.grade_as_reported:
                return f"{self.grade_as_reported} {self.syndrome}"
            return self.syndrome
        if self.operator == "range":
            return f"grade {self.grade}-{self.grade_max} {self.syndrome}"
        if self.operator in ("≥", "≤"):
            return f"grade {self.operator}{self.grade} {self.syndrome}"
        return f"grade {self.grade} {self.syndrome}"


def _count(s: str) -> int:
    return int(s) if s.isdigit() else WORDNUM[s.lower()]


def _g(s: str | None) -> int | None:
    if s is None:
        return None
    return int(s) if s.isdigit() else _ROMAN.get(s.upper())


def _grade(m: re.Match[str], a: str, b: str | None, op: str | None, plus: str | None) -> tuple:
    g1, g2 = _g(a), _g(b)
    o = _OPS.get(op or "", None)
    if plus:
        o = "≥"
    if o == ">":
        o, g1 = "≥", (g1 + 1 if g1 is not None else None)
    elif o == "<":
        o, g1 = "≤", (g1 - 1 if g1 is not None else None)
    if g2 is not None and g1 is not None:
        if g2 == 5 or (o == "≥"):
            return g1, None, "≥"
        if g2 < g1:
            return None, None, None
        return g1, g2, "range"
    return g1, None, o or "="


BREAKDOWN = re.compile(rf"\s*+(?:[,:;=]\s*+|in\s++)(?:n\s*+=\s*+)?(?:\d|{_CNT})")  # a count may be a word ("grade 2 in three"), or "n = 6"


def _graded(text: str, p: Phrase) -> Phrase:
    """The grade words written before ('grade ≥3 CRS', 'severe ICANS') or after ('CRS (grade 3-4)') a mention."""
    h_start, h_end = p.m_start, p.m_end
    win = text[max(0, h_start - 45):h_start]
    m = GRADE_PRE.search(win)
    if m:
        p.start = h_start - (len(win) - m.start())
        p.grade_as_reported = win[m.start():m.start("abbr") if m.group("abbr") else m.end()].strip()
        if m.group("word") and m.group("ab_a"):
            # 'severe (grade ≥ 3) CRS': the bracket after the grade word states the grade
            p.grade_as_reported = win[m.start():m.end()].strip()
            p.grade, p.grade_max, p.operator = _grade(m, m.group("ab_a"), m.group("ab_b"),
                                                      m.group("ab_op") or m.group("ab_op2"), m.group("ab_plus"))
        elif m.group("word"):
            w = m.group("word").lower().replace(" ", "-")
            p.grade_as_reported = w
            pm = GRADE_POST.match(text, h_end, min(len(text), h_end + 45))
            if pm and pm.group("a") and text[h_end:pm.end()].lstrip().startswith("("):
                # 'severe CRS (grade ≥3)': the number in brackets states the grade
                p.end = pm.end() + (1 if text[pm.end():pm.end() + 1] == ")" else 0)
                p.grade_as_reported = re.sub(r"^of\s+", "", text[pm.start():pm.end()].strip(" (,"))
                p.grade, p.grade_max, p.operator = _grade(pm, pm.group("a"), pm.group("b"), pm.group("op"),
                                                          pm.group("plus"))
        else:
            a = m.group("a1") or m.group("a2")
            p.grade, p.grade_max, p.operator = _grade(m, a, m.group("b2"), m.group("pre_op") or m.group("op"),
                                                      m.group("plus"))
    else:
        m = GRADE_POST.match(text, h_end, min(len(text), h_end + 45))
        if m and text[h_end:m.end()].lstrip()[:1] in ("(", ",") and BREAKDOWN.match(text, m.end()):
            # 'CRS (grade 1-2, 36; grade 3, 4)', 'developed CRS, grade 3 or 4 in 5 (13%)': a breakdown by grade,
            # read as further rows
            m = None
        if m:
            p.end = m.end()
            if text[h_end:m.end()].lstrip().startswith("(") and re.match(r"\s*\)", text[m.end():m.end() + 3]):
                p.end = text.index(")", m.end()) + 1  # 'CRS (any grade) occurred in ...': the bracket is the grade's
            if m.group("word"):
                p.grade_as_reported = m.group("word").lower().replace(" ", "-")
            else:
                p.grade_as_reported = re.sub(r"^of\s+", "", text[m.start():m.end()].strip(" (,"))
                p.grade, p.grade_max, p.operator = _grade(m, m.group("a"), m.group("b"), m.group("op"),
                                                          m.group("plus"))
    return p


def phrases(doc: Doc) -> list[Phrase]:
    """Syndrome mentions with their grade words, in text order (cached on the doc)."""
    cached = getattr(doc, "_tox_phrases", None)
    if cached is not None:
        return cached
    text = doc.text
    out: list[Phrase] = []
    hits: list[tuple[int, int, str, Any]] = [(h.start, h.end, h.as_written, h) for h in doc.syndromes]
    if doc.car_t:
        covered = [(a, b) for a, b, *_ in hits]
        for m in OTHER_TOX.finditer(text):
            if m.group().isupper() and m.group() not in ("AKI", "AE", "AEs", "DIC", "ICAHT", "GVHD", "SAE", "SAEs",
                                                          "TEAE", "TEAEs", "TRAE", "TRAEs", "COVID-19", "PML", "PRES",
                                                          "MDS"):
                continue
            if not any(a < m.end() and m.start() < b for a, b in covered):
                hits.append((m.start(), m.end(), m.group(), None))
        # an abbreviation the text defines for a syndrome: 'neurologic events (NEs)' → later 'NEs'
        for _a, b, _w, h in list(hits):
            am = ABBR_DEF.match(text, b)
            if am is None or (h is not None and normalize_key(am.group(1)) == normalize_key(h.canonical)):
                continue
            covered = [(x, y) for x, y, *_ in hits]
            for om in re.finditer(rf"(?<![\w-]){re.escape(am.group(1))}s?(?![\w-])", text[am.end():]):
                o0, o1 = am.end() + om.start(), am.end() + om.end()
                if not any(x < o1 and o0 < y for x, y in covered):
                    hits.append((o0, o1, om.group(), h))
        hits.sort(key=lambda x: x[0])
    for h_start, h_end, as_written, h in hits:
        if h is None:
            out.append(_graded(text, Phrase("other", as_written, h_start, h_end, h_start, h_end)))
            continue
        free_terms = {normalize_key(t) for t in h.entry.get("context_free", [])}
        if not doc.car_t and normalize_key(h.as_written) not in free_terms:
            continue
        if h.entry_id == "other":
            continue
        out.append(_graded(text, Phrase(h.canonical, as_written, h_start, h_end, h_start, h_end)))
    # "grade ≥3 CRS and ICANS": the grade applies to both
    # — from the list's first item only: in 'A, B, severe C, and D' the word is C's alone
    carried: set[int] = set()
    for k in range(1, len(out)):
        prev, cur = out[k - 1], out[k]
        head = k == 1 or not LIST_JOIN.match(text[out[k - 2].end:prev.start])
        if prev.graded and not cur.graded and LIST_JOIN.match(text[prev.m_end:cur.m_start]) \
                and cur.syndrome not in UNGRADED and (head or k - 1 in carried):
            cur.grade, cur.grade_max, cur.operator = prev.grade, prev.grade_max, prev.operator
            cur.grade_as_reported = prev.grade_as_reported
            carried.add(k)
    # 'neutropenia and thrombocytopenia of grade ≥3': a grade written after the list's last item is the list's
    for prev, cur in reversed(list(itertools.pairwise(out))):
        if cur.graded and cur.end > cur.m_end and not prev.graded and prev.syndrome not in UNGRADED \
                and LIST_JOIN.match(text[prev.m_end:cur.m_start]):
            prev.grade, prev.grade_max, prev.operator = cur.grade, cur.grade_max, cur.operator
            prev.grade_as_reported = cur.grade_as_reported
    # 'Grade ≥3 adverse events included neutropenia (60%), thrombocytopenia (40%) and anemia (35%)': the grade
    # of a list's head carries to every item of the list that follows it
    for p in out:
        if p.graded or p.syndrome in UNGRADED:
            continue
        s0 = max(0, p.start - 240)
        hm = _last(LIST_HEAD, text, s0, p.start)
        if hm is None or not LIST_ITEMS.fullmatch(text, hm.end(), p.start):
            hm = _last(LIST_HEAD2, text, s0, p.start)
            if hm is None or not LIST_ITEMS.fullmatch(text, hm.end(), p.start):
                continue
        gm = GRADE_PRE.search(hm.group("g") + " ")
        if gm is None or gm.group("word"):
            continue
        p.grade, p.grade_max, p.operator = _grade(gm, gm.group("a1") or gm.group("a2"), gm.group("b2"),
                                                  gm.group("pre_op") or gm.group("op"), gm.group("plus"))
        p.grade_as_reported = hm.group("g").strip()
    doc._tox_phrases = out  # type: ignore[attr-defined]
    return out


# a sentence comparing groups on an outcome; one stating a risk factor, an association or a possibility instead
# a methods sentence on how a syndrome was graded ('ICANS was graded by ASTCT criteria ... younger than 12 years')
GRADED_BY = re.compile(r"\b(?:was|were)\s+(?:graded|assessed|scored|defined)\s+(?:by|according|per|using|with)\b", re.IGNORECASE)
CONTRAST_STATEMENT = re.compile(r"\b(?:vs\.?|versus|compared\s+(?:with|to)|(?<!more\s)(?<!less\s)(?<!fewer\s)(?<!greater\s)(?<!rather\s)(?<!other\s)"
                                r"(?<!younger\s)(?<!older\s)"
                                r"than(?!\s++(?:grade|G\s*+\d)))(?!\w)|(?<![\w])[Pp]\s*+(?:[-‐]?\s*+values?\s*+)?[=<>≤≥]")
RISK_STATEMENT = re.compile(r"\b(?:associat\w*|predict\w*|risk\s+factors?|odds|hazard|OR|HR|aOR|correlat\w*|"
                            r"univariate|multivariate|multivariable)\b")
# a syndrome word that modifies the measured noun ('infection density', 'CRS duration', 'ICANS onset')
MODIFIER_AFTER = re.compile(r"\s*+(?:-?related\s++)?(?:densit(?:y|ies)|duration|onset|resolution|times?|timing|kinetics|"
                            r"management|treatment|levels?|scores?|burden|days?|episodes?|severity)\b", re.IGNORECASE)
MODAL = re.compile(r"\b(?:can|may|might|could|would|should)\b", re.IGNORECASE)
# the next share of the clause after a syndrome's share, then a p-value: the two shares are a comparison's sides
SIDE_AFTER = re.compile(rf"[^;%.]{{0,60}}?\b(?:and|vs\.?|versus|compared\s+(?:with|to)|than)\s++(?:[^\d;%.]{{0,40}}?\s)??"
                        rf"{NB}(?P<p>{NUM})\s?%[^;]{{0,60}}?(?<![\w])[Pp]\s*+(?:[-‐]?\s*+values?\s*+)?[=<>≤≥]")


def _contrast_side(doc: Doc, ps: list[Phrase], end: int) -> bool:
    s_end = doc.sentence(end - 1)[1]
    m = SIDE_AFTER.match(doc.text, end, s_end)
    return m is not None and not any(end <= q.m_start < m.start("p") for q in ps)


# the syndrome, then words without numbers (an appositive, a qualifier: 'CRS, graded by the Lee scale, was observed
# in', 'ICANS was infrequent and mild, occurring in'), then the verb of occurrence and the clause's one share
VERB_IN = re.compile(rf"\b(?:(?:{OCCURRENCE_VERBS}|occurring)\s++(?:in|among)|experienced\s++by|affect(?:ed|ing)|limited\s++to)\s++"
                     r"(?:only\s++|a\s++total\s++of\s++)?", re.IGNORECASE)
_NOT_GAP = re.compile(r"[\d%()\[\]]|\b(?:than|vs|versus|compared|respectively|no|not|without|none|"
                      r"after|following|before|during|with)\b", re.IGNORECASE)


def _clause_share(doc: Doc, ps: list[Phrase], i: int, s_end: int) -> dict[str, Any] | None:
    text, p = doc.text, ps[i]
    limit = min([s_end] + [q.m_start for q in ps[i + 1:i + 2] if q.m_start >= p.end]
                + [k for k in (text.find(";", p.end, s_end), text.find(":", p.end, s_end)) if k >= 0])
    vm = VERB_IN.search(text, p.end, min(limit, p.end + 120))
    if vm is None or _NOT_GAP.search(text, p.end, vm.start()):
        return None
    sm = FREQ_POST.match(text, vm.end(), limit)  # the share read by the one pattern for a share after a syndrome
    if sm is None or re.search(r"%|\b(?:vs|versus|compared|respectively)\b|[Pp]\s*[=<>]", text[sm.end():limit]):
        return None
    f = _freq_fields(sm)
    return f if f.get("percent") is not None else None


def _freq_fields(m: re.Match[str]) -> dict[str, Any]:
    """percent, count, denominator and the end of a FREQ_POST match; {} for a count alone that says nothing
    ('CRS in 3' without a share or 'patients')."""
    f: dict[str, Any] = {}
    if m.group("p") or m.group("p2") or m.group("p5"):
        f["percent"] = to_float(m.group("p") or m.group("p2") or m.group("p5"))
    n = m.group("n") or m.group("n2") or m.group("n3") or m.group("n4") or m.group("n5") or m.group("n6")
    d = m.group("d") or m.group("d2") or m.group("d5") or m.group("d6")
    if n:
        f["count"] = _count(n)
    if d:
        f["denominator"] = int(d)
    if not f.get("percent") and f.get("count") is not None and "denominator" not in f and not m.group("n3"):
        return {}
    if f:
        f["_end"] = m.end()
    return f


def _system(doc: Doc, syndrome: str) -> str | None:
    from curator.domain import vocabulary

    found = [sid for sid, rx in SYSTEMS if rx.search(doc.text)]
    applicable = [s for s in found if vocabulary.grades_for(syndrome, s)]
    return applicable[0] if len(applicable) == 1 else None


def find(doc: Doc) -> list[Suggestion]:
    text = doc.text
    ps = phrases(doc)
    out: list[Suggestion] = []
    freq: dict[int, dict[str, Any]] = {}

    list_extra: list[tuple[Phrase, dict[str, Any]]] = []
    # ---- respectively: "grade ≥3 CRS and ICANS occurred in 12% and 18% of patients, respectively"
    for i, p in enumerate(ps):
        if i in freq:
            continue
        group = [i]
        j = i
        while j + 1 < len(ps) and LIST_JOIN.match(text[ps[j].end:ps[j + 1].start]):
            j += 1
            group.append(j)
        if len(group) < 2:
            continue
        s_start, s_end = doc.sentence(p.start)
        tail = text[ps[j].end:s_end]
        rm = re.search(r"\brespectively\b", tail)
        if not rm:
            # a parallel list without 'respectively': 'grade ≥3 CRS and ICANS were reported in 3% and 10%' — as many
            # percentages as syndromes, one list right after the verb, nothing else numeric in the clause
            clause = tail[:min((tail.index(c) for c in ";:" if c in tail), default=len(tail))]
            pl = PARALLEL_PCTS.match(clause)
            if pl is None and (MEASURE_OF.search(text, max(s_start, p.start - 40), p.start)
                               or MEASURE_AFTER.match(clause)):
                pl = MEASURE_LIST.match(clause)  # 'the rates of CRS and ICANS were 80% and 25%'
            if pl is None:
                continue
            pcts = list(re.finditer(rf"(?P<n>)(?P<p>{NUM})\s?%", pl.group("items")))
            if len(pcts) != len(group) or re.search(r"\d", clause[pl.end():]):
                continue
            for k, pm in zip(group, pcts):
                freq[k] = {"percent": to_float(pm.group("p")), "_end": ps[j].end + pl.start("items") + pm.end()}
            continue
        pcts = list(re.finditer(rf"{NB}(?P<n>\d+\s*[(\[]\s*)?(?P<p>{NUM})\s?%(?:\s*[(\[]\s*n\s*=\s*(?P<n2>\d+)\s*[)\]])?",
                                tail[:rm.start()]))
        lm = SHARED_PCT.search(tail[:rm.start()])
        if len(pcts) != len(group) and lm:
            # '(94, 80, and 51%, respectively)': one % for the whole list
            pcts = list(re.finditer(rf"(?P<n>)(?P<p>{NUM})", lm.group("items")))
            pcts = [_Shifted(pm, lm.start("items")) for pm in pcts]
        if len(pcts) != len(group) and _nested(group, pcts, tail[:rm.start()], ps[j].end, ps, list_extra):
            for k in group:  # '(any grade, 92% and 60%; grade ≥3, 6% and 21%, respectively)': read by grade
                freq[k] = {}
            continue
        if len(pcts) == len(group):
            for k, pm in zip(group, pcts):
                f: dict[str, Any] = {"percent": to_float(pm.group("p")), "_end": ps[j].end + pm.end()}
                if pm.group("n"):
                    f["count"] = int(re.match(r"\d+", pm.group("n")).group())
                elif pm.group("n2"):  # '45.5% (n=25) and 12.7% (n=7), respectively'
                    f["count"] = int(pm.group("n2"))
                freq[k] = f
            # '...in 78% and 31%, respectively; grade ≥3 in 5% and 12%': a second list of the same syndromes at a grade
            cm = GRADE_LIST_AFTER.match(text, ps[j].end + rm.end(), s_end)
            if cm:
                more = list(re.finditer(rf"(?P<p>{NUM})\s?%", cm.group("items")))
                gm = GRADE_PRE.search(cm.group("g") + " ")
                if len(more) == len(group) and gm is not None:
                    for k, pm in zip(group, more):
                        q = Phrase(ps[k].syndrome, ps[k].as_written, ps[k].start, cm.end(), ps[k].m_start, ps[k].m_end)
                        q.grade, q.grade_max, q.operator = _grade(gm, gm.group("a1") or gm.group("a2"), gm.group("b2"),
                                                                  gm.group("pre_op") or gm.group("op"), gm.group("plus"))
                        q.grade_as_reported = cm.group("g").strip()
                        list_extra.append((q, {"percent": to_float(pm.group("p")), "_end": cm.end()}))
        else:
            for k in group:
                freq[k] = {}

    extra: list[tuple[Phrase, dict[str, Any]]] = list_extra
    for i, p in enumerate(ps):
        if i in freq or not p.graded:
            continue
        lm = GRADE_LIST_BEFORE.search(text, max(0, p.start - 30), p.start)
        s_start, s_end = doc.sentence(p.start)
        rm = re.search(r"\brespectively\b", text[p.end:s_end])
        if lm is None or rm is None:
            continue
        tail = text[p.end:p.end + rm.start()]
        pcts = list(re.finditer(rf"{NB}(?P<n>\d+\s*[(\[]\s*)?(?P<p>{NUM})\s?%", tail))
        sm = SHARED_PCT.search(tail)
        if len(pcts) != 2 and sm:
            pcts = [_Shifted(pm, sm.start("items")) for pm in re.finditer(rf"(?P<n>)(?P<p>{NUM})", sm.group("items"))]
        if len(pcts) != 2:
            continue
        q = Phrase(p.syndrome, p.as_written, lm.start(), p.end, p.m_start, p.m_end)
        g0 = lm.group("g0")
        gm = GRADE_PRE.search(g0)
        if gm and not gm.group("word"):
            q.grade, q.grade_max, q.operator = _grade(gm, gm.group("a1") or gm.group("a2"), gm.group("b2"),
                                                      gm.group("pre_op") or gm.group("op"), gm.group("plus"))
        q.grade_as_reported = g0.lower().replace(" ", "-") if gm is None or gm.group("word") else g0
        extra.append((q, {"percent": to_float(pcts[0].group("p")), "_end": p.end + pcts[0].end()}))
        freq[i] = {"percent": to_float(pcts[1].group("p")), "_end": p.end + pcts[1].end()}

    # 'grade 1, 2, 3, and 4 CRS occurred in 20%, 30%, 10% and 2%, respectively': one row per grade
    for i, p in enumerate(ps):
        if i in freq or p.graded:
            continue
        lm = GRADE_NUM_LIST.search(text, max(0, p.start - 40), p.start)
        s_start, s_end = doc.sentence(p.start)
        rm = re.search(r"\brespectively\b", text[p.end:s_end])
        if lm is None or rm is None:
            continue
        grades = re.findall(G, lm.group("items"))
        tail = text[p.end:p.end + rm.start()]
        pcts = list(re.finditer(rf"{NB}(?P<n>\d+\s*[(\[]\s*)?(?P<p>{NUM})\s?%", tail))
        sm = SHARED_PCT.search(tail)
        if len(pcts) != len(grades) and sm:
            pcts = [_Shifted(pm, sm.start("items")) for pm in re.finditer(rf"(?P<n>)(?P<p>{NUM})", sm.group("items"))]
        if len(pcts) != len(grades):
            continue
        for g, pm in zip(grades, pcts):
            q = Phrase(p.syndrome, p.as_written, lm.start(), p.end, p.m_start, p.m_end)
            q.grade, q.operator, q.grade_as_reported = _g(g), "=", f"grade {g}"
            extra.append((q, {"percent": to_float(pm.group("p")), "_end": p.end + pm.end()}))
        freq[i] = {}

    # one syndrome, then its grades, then their shares: 'CRS of any grade and grade ≥3 developed in 90% and 8% of
    # patients, respectively'
    for i, p in enumerate(ps):
        if i in freq:
            continue
        s_start, s_end = doc.sentence(p.start)
        gm = GRADES_AFTER.match(text, p.m_end, s_end)
        if gm is None or not re.search(r"\brespectively\b", text[gm.end():s_end]):
            continue
        pcts = list(re.finditer(rf"(?P<p>{NUM})\s?%", gm.group("items")))
        grades = [gm.group("g1"), gm.group("g2")]
        if len(pcts) != 2:
            continue
        for k, (g, pm) in enumerate(zip(grades, pcts)):
            q = Phrase(p.syndrome, p.as_written, p.start, gm.start("items") + pm.end(), p.m_start, p.m_end)
            wm = GRADE_PRE.search(g + " ")
            if wm is not None and not wm.group("word"):
                q.grade, q.grade_max, q.operator = _grade(wm, wm.group("a1") or wm.group("a2"), wm.group("b2"),
                                                          wm.group("pre_op") or wm.group("op"), wm.group("plus"))
            q.grade_as_reported = g.strip()
            f = {"percent": to_float(pm.group("p")), "_end": gm.start("items") + pm.end()}
            if k == 0:
                p.grade, p.grade_max, p.operator, p.grade_as_reported = q.grade, q.grade_max, q.operator, \
                    q.grade_as_reported
                freq[i] = f
            else:
                extra.append((q, f))

    # one syndrome, its shares in two or more subgroups: 'Any-grade CRS occurred in 84% and 62% of axi-cel and
    # tisa-cel recipients, respectively' — and the clause that follows it elliptically in the same sentence ('...,
    # and grade ≥3 CRS in 9% and 5%'): one row per share
    for i, p in enumerate(ps):
        if i in freq:
            continue
        s_start, s_end = doc.sentence(p.start)
        sm = SUBGROUP_PCTS.match(text, p.end, s_end)
        if sm is None or not re.search(r"\brespectively\b", text[s_start:s_end]):
            continue
        if i + 1 < len(ps) and ps[i + 1].start < sm.end():
            continue  # another syndrome inside: a list, read above
        pcts = list(re.finditer(rf"(?P<p>{NUM})\s?%", sm.group("items")))
        for k, pm in enumerate(pcts):
            f = {"percent": to_float(pm.group("p")), "_end": sm.start("items") + pm.end()}
            if k == 0:
                freq[i] = f
            else:
                q = Phrase(p.syndrome, p.as_written, p.start, p.end, p.m_start, p.m_end)
                q.grade, q.grade_max, q.operator, q.grade_as_reported = p.grade, p.grade_max, p.operator, \
                    p.grade_as_reported
                extra.append((q, f))

    for i, p in enumerate(ps):
        if i in freq:
            continue
        s_start, s_end = doc.sentence(p.start)
        f: dict[str, Any] = {}
        m = FREQ_POST.match(text, p.end, min(s_end, p.end + 70))
        if m and not PCT_LIST_AFTER.match(text, m.end()):
            f = _freq_fields(m)
        if not f and MEASURE_OF.search(text, max(s_start, p.start - 40), p.start):
            vm = MEASURE_VALUE.match(text, p.end, s_end)
            if vm and not PCT_LIST_AFTER.match(text, vm.end()):
                f = {"percent": to_float(vm.group("p")), "_end": vm.end()}
        if not f and not p.graded and (dm := MORTALITY_OF.search(text, max(s_start, p.start - 40), p.start)):
            vm = MEASURE_VALUE.match(text, p.end, s_end) or FREQ_POST.match(text, p.end, min(s_end, p.end + 70))
            pv = vm and (vm.group("p") or vm.groupdict().get("p2"))
            if pv and not PCT_LIST_AFTER.match(text, vm.end()):
                f = {"percent": to_float(pv), "_end": vm.end(), "_start": dm.start()}
                p.grade_as_reported = "fatal"
        if not f and (mc := MOST_COMMON.match(text, p.end, s_end)):
            f = {"percent": to_float(mc.group("p")), "_end": mc.end()}
            if mc.group("n"):
                f["count"] = int(mc.group("n"))
            for k, q in enumerate(ps):  # the class named after 'most common' is not what the share counts
                if k > i and q.start < mc.end():
                    freq.setdefault(k, {})
        if not f and (qm := QUALIFIER.match(text, p.end, s_end)):
            m = FREQ_POST.match(text, qm.end(), min(s_end, qm.end() + 70))
            if m and re.match(rf"\s*+(?:was|were|has|had|in|affected|{OCCURRENCE_VERBS})\b", text[qm.end():m.end()]) \
                    and (m.group("p") or m.group("p2")) and not PCT_LIST_AFTER.match(text, m.end()):
                f = _freq_fields(m)
        if not f and (cm := _clause_share(doc, ps, i, s_end)):
            f = cm
        if not f:  # the syndrome's own bracket closes after its count: the count is the syndrome's
            bm = FREQ_BRACKET.match(text, p.end, min(s_end, p.end + 40))
            if bm:
                f = {"percent": to_float(bm.group("p") or bm.group("p2")), "_end": bm.end()}
                if bm.group("n") or bm.group("n2"):
                    f["count"] = int(bm.group("n") or bm.group("n2"))
                if bm.group("d"):
                    f["denominator"] = int(bm.group("d"))
        if not f:
            cs = clause_start(text, p.start, s_start)
            pm = FREQ_PRE.search(text[cs:p.start])
            if pm and pm.group("dfrom") and not DEATHS.search(text, s_start, s_end):
                pm = None  # 'two from' outside a sentence about deaths is no count of this syndrome
            if pm:
                f["_start"] = cs + pm.start()
                if (pm.group("died") or pm.group("dfrom")) and not p.graded:
                    p.grade_as_reported = "fatal"  # '3 patients (5%) died of infections'
                if pm.group("p") or pm.group("p2") or pm.group("p3") or pm.group("p8"):
                    f["percent"] = to_float(pm.group("p") or pm.group("p2") or pm.group("p3") or pm.group("p8"))
                elif pm.group("pw"):  # 'Forty-five percent of patients developed X'
                    f["percent"] = float(_count(pm.group("pw")))
                if pm.group("n") or pm.group("n7") or pm.group("n8"):
                    f["count"] = _count(pm.group("n") or pm.group("n7") or pm.group("n8"))
                if pm.group("d") or pm.group("d7") or pm.group("d9"):
                    f["denominator"] = _count(pm.group("d") or pm.group("d7") or pm.group("d9"))
            elif i > 0 and freq.get(i - 1, {}).get("_start") is not None and ps[i - 1].end <= p.start and \
                    (gm := GAPPED.match(text, ps[i - 1].end, p.start)):
                # '139 (75.5%) developed CRS and 58 (31.5%) ICANS': the verb of the first count carries to the second
                f = {"count": _count(gm.group("n")), "percent": to_float(gm.group("p")), "_start": gm.start("n")}
            elif NEGATION.search(text[max(cs, p.start - 30):p.start]):
                f = {"count": 0, "negated": True, "_start": p.start - len(NEGATION.search(
                    text[max(cs, p.start - 30):p.start]).group(0))}
        if f.get("_end") and not p.graded and (am := ALL_GRADE.match(text, f["_end"], s_end)):
            # 'ICANS was seen in two patients (11%), both grade 1': every case at one grade (or range)
            p.grade, p.grade_max, p.operator = _grade(am, am.group("a"), am.group("b"), None, None)
            p.grade_as_reported = am.group("g")
            f["_end"] = am.end()
        if f.get("percent") is not None and not p.graded and \
                (dm := MORTALITY_OF.search(text, max(s_start, p.start - 40), p.start)):
            p.grade_as_reported = "fatal"  # 'the mortality caused by COVID-19 was 31%': a fatal toxicity's share
            f["_start"] = min(f.get("_start", dm.start()), dm.start())
        freq[i] = f

    # 'CRS occurred in 93% (grade ≥3, 11%)': the parenthesis after the frequency is a second, graded row
    for i, p in enumerate(ps):
        f = freq.get(i) or {}
        if "_end" not in f:
            continue
        gm = GRADED_PAREN.match(text, f["_end"])
        if gm:
            q = Phrase(p.syndrome, p.as_written, p.start, gm.end(), p.m_start, p.m_end)
            k = "_" if gm.group("p_") else ""
            q.grade, q.grade_max, q.operator = _grade(gm, gm.group("a" + k), gm.group("b" + k), gm.group("op" + k),
                                                      gm.group("plus" + k))
            q.grade_as_reported = gm.group("g" + k).strip()
            ef: dict[str, Any] = {"percent": to_float(gm.group("p" + k)), "_end": gm.end()}
            if not k and gm.group("n"):
                ef["count"] = int(gm.group("n"))
            extra.append((q, ef))
    # 'CRS occurred in 80%, grade ≥3 in 10%', 'CRS (grade 1, 26%; grade 2, 32%)', '... and grade 3-4 in 5 (8%)':
    # further grades of the same syndrome, the syndrome not repeated
    for i, p in enumerate(ps):
        f = freq.get(i) or {}
        pos = f.get("_end", p.end)
        s_end = doc.sentence(p.m_start)[1]
        colon = text.find(":", pos, s_end)
        if "_end" not in f and colon > 0 and not re.search(r"[\d%;]", text[pos:colon]) \
                and not any(pos <= q.m_start < colon for q in ps):
            pos = colon  # 'ICANS was more frequent than in lymphoma series: any grade in 61%, grade ≥3 in 29%'
        while True:
            gm = PER_GRADE.match(text, pos, s_end) or PER_GRADE_COUNT.match(text, pos, s_end) or \
                (PCT_GRADE.match(text, pos, s_end) if "_end" in f else None)
            if not gm or gm.groupdict().get("syn") not in (None, p.syndrome):
                break  # 'grade ≥3 CRS in 1 (2%) and grade ≥3 ICANS in 4 (8%)': the next syndrome's own row
            q = Phrase(p.syndrome, p.as_written, p.start, gm.end(), p.m_start, p.m_end)
            q.grade, q.grade_max, q.operator = _grade(gm, gm.group("a"), gm.group("b"), gm.group("op"), gm.group("plus"))
            q.grade_as_reported = gm.group("g").strip()
            pg = gm.group("p") or gm.groupdict().get("p9")  # PER_GRADE_COUNT: '…; 13% were grade 3-4'
            ef = {"percent": to_float(pg) if pg else None, "_end": gm.end()}
            n = gm.groupdict().get("n") or gm.groupdict().get("n0") or gm.groupdict().get("n8")
            if n:
                ef["count"] = _count(n)
            if ef["percent"] is None and "count" not in ef:
                break
            if ef["percent"] is None and ef.get("count") == 0:
                pos = gm.end()  # 'G1 0, G2 7 (12%)': no patient at that grade, the list goes on
                continue
            if not any(x[0].grade == q.grade and x[0].syndrome == q.syndrome and x[1].get("percent") == ef["percent"]
                       for x in extra):
                extra.append((q, ef))
            pos = gm.end()
    for q, ef in extra:
        ps = ps + [q]
        freq[len(ps) - 1] = ef
    seen_keys: set[tuple[Any, ...]] = set()
    def detailed(i: int, p: Phrase) -> bool:
        """The text states the syndrome's share, or its grade where it tells that it happened or compares it — not
        where it says what is generally so, what a protocol recommends ('guidelines recommended tocilizumab for grade
        2 or higher CRS') or what other studies found ('the low rate (2%) of grade 4 CRS in other series')."""
        s0, s1 = doc.sentence(p.m_start)
        if LITERATURE.search(text, s0, s1) or doc.general(p.m_start):
            return False  # ('CAR T cells can cause CRS in up to 90% of patients': what is generally so)
        if freq.get(i):
            return True
        return p.graded and (bool(CONTRAST_STATEMENT.search(text, s0, s1))
                             or (bool(OCCURRED.search(text, s0, s1)) and not BACKGROUND.search(text, s0, s1)))

    # a syndrome whose grade or share the text states: its bare mentions are not rows of their own
    syndromes_with_detail = {p.syndrome for i, p in enumerate(ps) if detailed(i, p)}

    def bare_ok(i: int, p: Phrase) -> bool:
        """A mention without grade or frequency counts only in a sentence saying it happened to the studied
        patients (not background, not a risk factor, not a point of reference)."""
        if p.syndrome != "other" and p.syndrome in syndromes_with_detail:
            return False
        s0, s1 = doc.sentence(p.m_start)
        if not OCCURRED.search(text, s0, s1) or BACKGROUND.search(text, s0, s1):
            return False  # background ('CRS is a common toxicity'), aims, risk factors: not the study's own
        if p.syndrome == "other" and not PATIENT_WORDS.search(text, s0, s1) \
                and not (one_case(doc) and CASE_DAY.search(text, s0, s1)):
            return False  # (a case report's sentence dated on its timeline is about the patient: 'Neutropenia
            # persisted until day 34 despite filgrastim')
        if REFERENCE.search(text[max(0, p.m_start - 30):p.m_start]):
            return False
        # the abbreviation right after a reference mention ("resembling HLH syndrome (HLH)")
        return not (i > 0 and re.fullmatch(r"\s*\(\s*", text[ps[i - 1].m_end:p.m_start])
                    and ps[i - 1].syndrome == p.syndrome and REFERENCE.search(
                        text[max(0, ps[i - 1].m_start - 30):ps[i - 1].m_start]))

    # one bare mention per syndrome, cited from its best sentence (the patient's / results, not background)
    bare_choice: dict[str, int] = {}
    best_rank: dict[str, tuple[int, int]] = {}
    for i, p in enumerate(ps):
        f = freq.get(i) or {}
        if p.graded or any(k in f for k in ("percent", "count")) or not bare_ok(i, p):
            continue
        name = p.syndrome if p.syndrome != "other" else p.as_written.lower()
        rank = (doc.evidence_rank(p.m_start), p.m_start)
        if name not in best_rank or rank < best_rank[name]:
            best_rank[name], bare_choice[name] = rank, i
    def contrasted(i: int, p: Phrase) -> bool:
        """The syndrome is the outcome two groups are compared on ('CRS was more frequent with axi-cel than with
        tisa-cel (85% vs 50%; P < .001)'): the dev schema's toxicity item without a percent (README)."""
        s0, s1 = doc.sentence(p.m_start)
        if any(q.syndrome == p.syndrome and q.grade == p.grade and any(k in (freq.get(j) or {}) for k in ("percent", "count"))
               and not doc.general(q.m_start) for j, q in enumerate(ps) if j != i):
            return False  # the schema's contrast item is for an incidence reported *only* as a contrast
        return bool(CONTRAST_STATEMENT.search(text, s0, s1) and re.search(r"\d", text[s0:s1])
                    and not GRADED_BY.search(text, s0, s1)
                    and not RISK_STATEMENT.search(text, s0, s1) and not MODAL.search(text, s0, s1)
                    and not re.search(r"\b(?:median|mean)\b", text[s0:s1], re.IGNORECASE)  # medians of a measure
                    and not MODIFIER_AFTER.match(text, p.end)
                    and not GROUP_QUALIFIER.search(text, max(s0, p.start - 60), p.start)
                    and not REFERENCE.search(text, max(s0, p.start - 30), p.start)
                    and not PURPOSE.search(text, max(s0, p.start - 60), p.start)
                    and not re.search(r"\b(?:than|vs\.?|versus|with(?:out)?|compared\s+(?:with|to))\s+$",
                                      text[max(s0, p.start - 20):p.start]))

    group_named: set[int] = set()
    for i, p in enumerate(ps):
        f = freq.get(i) or {}
        counted = any(k in f for k in ("percent", "count"))
        contrast = False
        if counted and "_end" in f and not f.get("negated") and _contrast_side(doc, ps, f["_end"]):
            # 'CRS rates were 12% with prophylaxis and 35% without (P = .02)': the share is one side of a comparison
            f, counted = {}, False
        if not counted and not f.get("negated") and contrasted(i, p):
            contrast = True
        detail = p.graded or counted or contrast
        gq = GROUP_QUALIFIER.search(text, max(0, p.start - 60), p.start)
        if gq and (not counted or f.get("negated")) and (f.get("negated")
                                                         or CONTRAST.search(text, *doc.sentence(p.m_start))):
            # the syndrome names a group: 'patients with severe CRS had higher IL-6 (P < .01)', 'patients without
            # CRS' (no statement that none had it). A group defined by it without a contrast ('patients experiencing
            # high-grade CRS') is the study's population: the syndrome occurred.
            group_named.add(i)
            continue
        if not counted and i - 1 in group_named and re.fullmatch(r"\s*+(?:,\s*+)?(?:(?:and|or)\s++)?(?:any\s++)?",
                                                                 text[ps[i - 1].end:p.start]):
            group_named.add(i)  # 'patients with grade ≥2 CRS or any ICANS': the list names the group
            continue
        if p.graded and not counted and not contrast:
            s0, s1 = doc.sentence(p.m_start)
            if not OCCURRED.search(text, s0, s1) or BACKGROUND.search(text, s0, s1) \
                    or CONTRAST_STATEMENT.search(text, s0, s1):
                # 'severe CRS can be fatal': a grade in a background sentence is not the study's; 'more grade ≥3 AEs
                # than nonresponders (median, 5 vs 2)': a grade in a comparison of something else
                continue
        s0 = doc.sentence(p.m_start)[0]
        if LITERATURE.search(text, s0, max(p.end, f.get("_end", p.end))):
            # 'CRS has been reported in up to 90% of patients', 'In the pivotal trials, CRS occurred in ...': other
            # studies' values (a comparison after the value — 'lower than previously reported' — is the study's own)
            continue
        if counted and doc.general(p.m_start, upto=max(p.end, f.get("_end", p.end))):
            continue  # 'CAR T cells can cause CRS in up to 90% of patients': what is generally so, not the study's share
        if counted and PURPOSE.search(text, max(0, p.start - 60), p.start):
            continue  # 'tocilizumab was given for grade ≥2 CRS in 30 patients (50%)': the count is the treatment's
        if f.get("negated") and ELIGIBILITY.search(text, *doc.sentence(p.m_start)):
            continue  # 'patients had no active infection' in an eligibility sentence is a criterion
        if f.get("negated") and (one_case(doc) or p.grade is None):
            # 'no ICANS' in a case report, 'no infection', 'without ICANS': what did not happen is no toxicity row;
            # a cohort's 'no grade ≥3 CRS was observed' is an incidence of 0 at that grade, which curators record
            continue
        if not detail:
            name = p.syndrome if p.syndrome != "other" else p.as_written.lower()
            if bare_choice.get(name) != i:
                continue
        fields: dict[str, Any] = {
            "syndrome": p.syndrome,
            "as_written": p.as_written,
            "grade": p.grade,
            "grade_operator": p.operator if p.grade is not None else None,
            "grade_as_reported": p.grade_as_reported,
            "percent": f.get("percent"),
            "count": f.get("count"),
        }
        if p.grade_max is not None:
            fields["grade_max"] = p.grade_max
        if "denominator" in f:
            fields["denominator"] = f["denominator"]
        if f.get("negated"):
            fields["negated"] = True
        system = _system(doc, p.syndrome) if p.graded else None
        if system:
            fields["grading_system"] = system
        key = (p.syndrome, p.grade, p.grade_max, fields["grade_operator"], p.grade_as_reported, fields["percent"],
               fields["count"], bool(f.get("negated")), doc.sentence(p.m_start) if contrast else None,
               p.as_written.lower() if p.syndrome == "other" else None)  # 'pancytopenia and aspergillosis': two
        if key in seen_keys:
            continue
        seen_keys.add(key)
        start = min(p.start, f.get("_start", p.start))
        end = max(p.end, f.get("_end", p.end))
        if text.count("(", start, end) > text.count(")", start, end) and text[end:end + 1] == ")":
            end += 1
        rule = "toxicity.contrast" if contrast else \
            "toxicity.graded" if p.graded else ("toxicity.frequency" if detail else "toxicity.mention")
        conf = 0.85 if detail else 0.7
        out.append(make("toxicity", fields, text, start, end, conf, rule))
    out += _adverse_event_list(doc, out)
    # ints for counts
    for s in out:
        for k in ("count", "denominator"):
            if s.fields.get(k) is not None:
                s.fields[k] = int(s.fields[k])
    return out


# a list of adverse events after a head that names them, each item a name and its share — whatever the name
# ('On-target, off-tumour events were frequent: nail changes in 8 patients (44%), dysgeusia in 7 (39%) and rash in 5
# (28%)', 'toxicity manifested as pleuritic chest pain in 27% (6/22) and pericarditis in 2/22 (9%)')
AE_HEAD = re.compile(r"\b(?:adverse\s++events?|AEs|TEAEs|TRAEs|toxicit(?:y|ies)|side\s++effects?|complications?|events)\b"
                     r"[^.;:\d%]{0,80}?(?:\b(?:included|including|were|comprised|consisted\s++of|manifested\s++as|such\s++as)\b"
                     r"(?:[^.;:\d%]{0,40}?:)?|:)", re.IGNORECASE)
AE_ITEM = re.compile(
    rf"\s*+(?:,\s*+)?(?:and\s++|or\s++)?(?P<name>[A-Za-z][\w'’/-]*+(?:\s++(?!in\b|of\b|and\b)[A-Za-z][\w'’/-]*+){{0,4}})\s*+"
    rf"(?:in\s++)?(?:(?P<n>\d++)(?:\s*+/\s*+(?P<d>\d++))?\s*+(?:(?:patients?|pts)\s*+)?[(\[]\s*+(?P<p>{NUM})\s?%\s*+[)\]]"
    rf"|(?P<p2>{NUM})\s?%(?:\s*+[(\[]\s*+(?P<n2>\d++)\s*+/\s*+(?P<d2>\d++)\s*+[)\]])?)")
_NOT_AE = re.compile(r"^(?:patients?|pts|the|a|an|all|those|response|remission|CR|ORR|PR|survival|OS|PFS|mortality|death|deaths)\b",
                     re.IGNORECASE)


def _adverse_event_list(doc: Doc, found: list[Suggestion]) -> list[Suggestion]:
    text = doc.text
    if not doc.car_t or not doc.has("event", "toxicit", "adverse", "side effect", "complication", "aes"):
        return []
    out: list[Suggestion] = []
    for hm in AE_HEAD.finditer(text):
        s0, s1 = doc.sentence(hm.start())
        if BACKGROUND.search(text, s0, hm.start()) or LITERATURE.search(text, s0, s1):
            continue
        # the head's grade, read by the one pattern for a grade written after a name ('events of grade 3 or higher')
        head_grade = GRADE_POST.search(text, max(s0, hm.start() - 40), hm.end())
        if head_grade is not None and head_grade.group("a") is None:
            head_grade = None  # 'any grade': no threshold to carry
        taken = list(found)
        pos = hm.end()
        while (m := AE_ITEM.match(text, pos, s1)) is not None:
            pos = m.end()
            name = m.group("name")
            if _NOT_AE.match(name) or any(o.start < m.end() and m.start() < o.end for o in taken):
                continue
            pct = to_float(m.group("p") or m.group("p2"))
            n, d = m.group("n") or m.group("n2"), m.group("d") or m.group("d2")
            f: dict[str, Any] = {"syndrome": "other", "as_written": name, "grade": None, "grade_operator": None,
                                 "grade_as_reported": None, "percent": pct, "count": int(n) if n else None}
            if d:
                f["denominator"] = int(d)
            if head_grade:
                f["grade"], gmax, f["grade_operator"] = _grade(head_grade, head_grade.group("a"), head_grade.group("b"),
                                                               head_grade.group("op"), head_grade.group("plus"))
                f["grade_as_reported"] = head_grade.group(0).strip(" (,")
                if gmax is not None:
                    f["grade_max"] = gmax
            out.append(make("toxicity", f, text, m.start("name"), m.end(), 0.6, "toxicity.event_list"))
            taken.append(out[-1])
    return out
