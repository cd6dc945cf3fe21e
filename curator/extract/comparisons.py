"""Comparisons: two values of one quantity (before/after, arm A/arm B) and the p-value, as written.

Rules
  comparison.paren      NAME (a [unit] vs b [unit], P < x)        the pair inside one parenthesis
  comparison.inline     NAME was a% in A versus b% in B (P = x)   the pair in running text
  comparison.from_to    NAME decreased from a to b pg/mL (P < x)
  comparison.p_only     NAME was significantly higher ... (P < x)  a named outcome with only a p-value
  comparison.respectively  NAME before and after X were a and b unit, respectively (P < x)
  comparison.shares     n of N (x%) in A compared with / and in m of M (y%) in B (P = x)   the shares compared
  comparison.baseline   creatinine 2.6 mg/dL (baseline, 0.6 mg/dL)                  baseline is A, the value B
  comparison.effect     HR 0.71 (95% CI ...), HR for progression or death, 0.71; ...  an effect size with its CI
  comparison.not_reached  median 10.5 months vs not reached, not reached vs 12.3 months
  comparison.paired_lists  a% and b% of A vs c% and d% of B (P = x and P = y, respectively | P < x for both):
                        one comparison per outcome, named with the head they share ('Any-grade and grade ≥3 CRS')
A pair whose shape is clear but whose quantity the words do not name is still offered with its test (analyte
None, rule '.../unnamed', confidence 0.5).
The two numbers must be clearly the pair: one separator (vs, versus, v, compared with) between two single
values; lists ("93% and 56% vs 89% and 61%"), fractions (0/10 vs 3/10) and three-way comparisons are left
alone; units that disagree (pg/mL vs ng/mL) reject the pair.
"""

from __future__ import annotations

import re
from typing import Any

from curator.domain.pvalues import parse_p
from curator.domain.units import parse_unit
from curator.extract.context import Doc
from curator.extract.model import Suggestion, make
from curator.extract.patterns import (
    CI_BODY,
    DASH,
    NB,
    NUM,
    NUMB,
    P_RE,
    P_VALUE,
    SNUM,
    UNIT,
    balanced_close,
    ci_parts,
    num,
)
from curator.extract.subjects import STATISTICS, Subject, clause_start, depth0, find_subject, make_subject, np_before

SEP = r"(?:vs\.?|versus|v\.?|compared\s+(?:with|to))"


_NOT_P = r"[^()\[\]]*?\b[Pp](?:\s?[-‐]?\s?values?)?(?:\s?(?:for\s)?trend)?\s*[=<>≤≥]"  # a dispersion is not a p-value
NB2 = rf"(?:(?<=vs\.)|(?<=\bv\.)|{NB})"  # 'vs.20.6': the second value may touch the separator's full stop


def _item(i: str, label: bool = True, lazy_label: bool = True) -> str:
    lab = ""
    if label:
        q = "{1,60}?" if lazy_label else "{1,60}"
        lab = rf"(?:\s(?:for|in|with|among|on|of|at)\s(?P<l{i}>[^\d;,.()\[\]]{q})" \
              rf"(?:\s?\((?!{_NOT_P})[^()]{{0,60}}\))?)?"  # '3 days for outpatients (IQR, 0-7)': the label, then the spread
    # 'n/N (x%)': a count out of its denominator, then its share (the shares are compared; see _fields)
    return (rf"(?P<op{i}>[<>≤≥]\s?)?{NB2 if i == '2' else NB}(?P<v{i}>{SNUM})(?P<f{i}>\s?/\s?\d{{1,6}}(?![\d.]))?"
            rf"(?:\s?(?P<u{i}>{UNIT}))?"
            rf"(?:\s?(?:±|\+/-|\+/−|\+-)\s?{NUM}(?:\s?(?P<s{i}>{UNIT}))?)?"
            rf"(?:\s?(?:\((?!{_NOT_P})(?P<d{i}>[^()]{{0,60}})\)|\[(?!{_NOT_P})(?P<e{i}>[^\[\]]{{0,60}})\]))?(?:\s?(?P<w{i}>{UNIT}))?"
            + lab)


PAIR = re.compile(
    # a label: words, or a grade ('(grade 3-4, 7.9% vs 9.7%, P = .71)')
    rf"^\s*(?:(?P<label>[A-Za-z][^()\d;=]{{0,40}}?(?:\[[^\]]*\])?|[Gg]rades?\s*+(?:[≥≤<>]\s*+)?[0-5](?:\s*+[-–]\s*+[0-5])?\+?"
    rf"(?:\s++or\s++(?:higher|more|above))?)\s*[,:]\s*|(?P<label2>median|mean|geometric\s+mean|peak|"
    rf"average)\s+)?"
    rf"{_item('1')}\s*(?P<sep>{SEP}|and)\s*{_item('2', lazy_label=False)}"
    rf"(?P<rest>(?:\s*(?:[,;]|respectively|\[).*)?)$",
    re.DOTALL | re.IGNORECASE,
)
GRADE_LABEL = re.compile(r"[Gg]rades?\s*+[≥≤<>0-5]")
# 'in the axi-cel and tisa-cel cohorts, respectively': the two groups named in one phrase
GROUPS_RESPECTIVELY = re.compile(r"^(?:the\s+)?(?P<a>[\w+/-]+(?:\s+[\w+/-]+)?)\s+and\s+(?P<b>[\w+/-]+(?:\s+[\w+/-]+)?)\s+"
                                 r"(?P<n>cohorts?|groups?|arms?|patients|pts|recipients)$", re.IGNORECASE)
# each value after its own group's name: '(outpatient 31% vs inpatient 36%, P = .42)'
PAIR_LABELLED = re.compile(
    # (each value with its unit read once, atomically: a long run of digits is not re-split between them)
    rf"^\s*+(?P<label>)?(?P<label2>)?(?P<l1>[A-Za-z][\w/-]*+(?:\s++[A-Za-z][\w/-]*+){{0,3}}?)\s++(?>{_item('1', label=False)})"
    rf"\s*+(?P<sep>{SEP})\s*+(?P<l2>[A-Za-z][\w/-]*+(?:\s++[A-Za-z][\w/-]*+){{0,3}}?)\s++(?>{_item('2', label=False)})"
    rf"(?P<rest>(?:\s*[,;].*)?)$", re.DOTALL | re.IGNORECASE)
PAREN_FROM_TO = re.compile(  # 'CRP dropped (from 120 mg/L to 25 mg/L, P < 0.001)', '(median 45 to 310 pg/mL; p < .001)'
    rf"^\s*(?P<label>)?(?P<label2>)?(?:(?:median|mean)\s+)?(?:from\s+)?{_item('1', label=False)}\s+to\s+{_item('2', label=False)}"
    rf"(?P<rest>\s*[,;].*)?$", re.DOTALL | re.IGNORECASE)
PAREN_RESPECTIVELY = re.compile(
    rf"^\s*+(?P<label>)?(?P<label2>)?{_item('1', label=False)}\s*+(?:,\s*+)?and\s++{_item('2', label=False)}\s*+(?:,\s*+)?"
    rf"respectively(?P<rest>\s*[,;].*)$", re.DOTALL | re.IGNORECASE)  # blank runs read once (possessive)
# 'in 2 of 52 (4%) children on protocol A compared with 11 of 47 (23%) historical patients': the shares compared
# ('29 (45%) of 64 patients in the prophylaxis cohort': the denominator may follow the share)
_SHARE = r"{NB}(?P<c{i}>\d+)(?:\s*+(?:/|of)\s*+(?P<n{i}>\d+))?\s*+(?:(?:patients?|pts|children|adults|cases)\s*+)?[(\[]\s*+" \
         r"(?P<v{i}>{NUM})\s?(?P<u{i}>%)\s*+[)\]](?:\s++of\s++(?:the\s++)?\d++(?!\s*+[%.·\d]))?"
SHARES = re.compile(
    _SHARE.format(i="1", NB=NB, NUM=NUM) + rf"(?P<l1>(?:[^\d;()\[\]]|(?<=[Gg]rade\s)\d|(?<=[Gg]rade\s\d[-–])\d){{0,60}}?)\s*+,?\s*+"
    rf"(?P<sep>{SEP}|and(?:\s++in)?)\s++"
    + _SHARE.format(i="2", NB=NB, NUM=NUM) + r"(?P<l2>[^\d;()\[\].,]{0,40}+)", re.IGNORECASE)
INLINE = re.compile(rf"{_item('1')}\s*+,?\s*(?P<sep>{SEP})\s*{_item('2', lazy_label=False)}", re.IGNORECASE)
FROM_TO = re.compile(
    rf"\b(?P<verb>decreas\w*|declin\w*|dropp\w*|fell|fall\w*|increas\w*|rose|ris\w*|reduc\w*|improv\w*|chang\w*|lower(?:ed|ing)|"
    rf"went|normali[sz]\w*|elevat\w*)\s+(?P<obj>(?:[\w-]+\s+){{0,5}}?)from\s+(?:an?\s+(?:median|mean|peak|maximum|nadir|"
    rf"baseline)\s+(?:value\s+)?of\s+)?"
    # when the first value was read: 'on day +4 (post-infusion)', 'before tocilizumab', 'before the first emapalumab dose'
    rf"{_item('1', label=False)}(?:\s+(?:at|on|by|before|after|prior\s+to|following)\s+(?:the\s+)?[A-Za-z][\w-]*"
    rf"(?:\s+[+\-−]?\d+(?:\s+(?:post|after)[- ]?[A-Za-z]+)?|(?:\s+[A-Za-z][\w-]*){{0,3}})|\s+(?:before|at\s+baseline))?\s+to\s+"
    rf"{_item('2', label=False)}", re.IGNORECASE)
# 'and the median QMG score from 17 to 8 (P < .001)': a second change whose verb the first one gave
FROM_TO_GAPPED = re.compile(
    rf"(?:,\s*+|\b)and\s++(?P<verb>)(?P<obj>(?:the\s++)?(?:(?:median|mean)\s++)?[A-Za-z][\w-]*+(?:\s++[A-Za-z][\w-]*+){{0,3}}?)\s++"
    rf"from\s++{_item('1', label=False)}\s++to\s++{_item('2', label=False)}", re.IGNORECASE)
# 'creatinine 2.6 mg/dL (baseline, 0.6 mg/dL)': a value with its baseline in brackets — baseline is A, the value B
BASELINE = re.compile(
    rf"{NB}(?P<v2>{NUMB})\s?(?P<u2>{UNIT})\s*+\(\s*+(?:from\s++)?(?:a\s++)?baseline(?:\s++(?:of|value))?\s*+[,:]?\s*+"
    rf"(?P<v1>{NUMB})\s?(?P<u1>{UNIT})?\s*+\)", re.IGNORECASE)
_DISP_TAIL = r"(?:\s*+[,;]\s*+(?:range|IQR|interquartile\s+range|SD|SE|95\s?%\s?CI)[^()\[\];]{0,30}+)?"
# (blank runs read once, possessively; the label ends at a non-blank; the tail of the second bracket is read once)
GROUPS = re.compile(
    rf"[(\[]\s*+(?:(?:median|mean)\s++)?(?P<op1>[<>≤≥]\s?)?(?P<v1>{NUMB})\s?(?P<u1>{UNIT})?{_DISP_TAIL}\s*+[)\]]\s*+"
    rf"(?P<sep>{SEP}|than)\s++(?P<l2>(?:in\s++|for\s++|with\s++)?(?:the\s++|those\s++)?[A-Za-z](?:[\w\- ]{{0,39}}?[\w-])?)\s*+"
    rf"[(\[]\s*+(?:(?:median|mean)\s++)?(?P<op2>[<>≤≥]\s?)?(?P<v2>{NUMB})\s?(?P<u2>{UNIT})?{_DISP_TAIL}"
    rf"(?P<rest2>\s*+;\s*+[^()\[\]]{{0,40}}+)?\s*+[)\]]", re.IGNORECASE)
_OF_PATIENTS = (r"(?:of\s+(?:the\s+)?(?:patients|pts|those|subjects|children|adults|recipients|participants)\s+"
                r"(?:(?:who\s+were\s+)?(?:treated|managed|receiving|given)\s+)?)?")
# a group label's characters: no digits, but a grade threshold ('patients with CRS grade ≥3', 'grade <3')
# ... and digits that belong to a name ('the CD19/CD22 arm', 'IL-6', 'patients aged 65 or older')
_LBL = r"(?:[^\d;,.()\[\]]|(?<=[≥≤<>])\d|(?<=[≥≤<>]\s)\d|(?<=[Gg]rade\s)\d|(?<=[A-Za-z/-])\d|(?<=aged\s)\d|(?<=\d)\d)"
AND_PAIR = re.compile(
    rf"(?P<v1>{NUMB})\s?(?P<u1>{UNIT})?(?:\s?(?:\((?P<d1>[^()]{{0,60}})\)|\[[^\[\]]{{0,60}}\]))?\s+(?:{_OF_PATIENTS}(?:in|for|among|with)|of)\s+"
    rf"(?P<l1>(?:the\s+)?[A-Za-z]{_LBL}{{0,40}}?)\s+(?P<sep>and|,\s*and|while|whereas|but)\s+"
    rf"(?P<v2>{NUMB})\s?(?P<u2>{UNIT})?(?:\s?(?:\((?P<d2>[^()]{{0,60}})\)|\[[^\[\]]{{0,60}}\]))?\s+(?:{_OF_PATIENTS}(?:in|for|among|with)|of)\s+"
    rf"(?P<l2>(?:the\s+)?[A-Za-z]{_LBL}{{0,40}}?)(?=\s*[(\[,;]\s*[Pp]\b|\s*\([^()]*\b[Pp]\s*[=<>≤≥])",
    re.IGNORECASE)
HAD = re.compile(
    # (blank runs read once, possessively; the group and the outcome open and end with a non-blank)
    rf"(?P<v1>{NUMB})\s?(?P<u1>%)\s++of\s++(?P<l1>(?=[^\s\d;,.()])[^\d;,.()]{{1,40}}?(?<=\S))\s++(?:had|developed|"
    rf"experienced|achieved|showed|presented\s++with)\s++(?P<np>(?=\S)[^;()]{{1,80}}?(?<=\S))(?:\s*+,)?\s++(?P<sep>{SEP})"
    rf"\s++(?P<v2>{NUMB})\s?(?P<u2>%)(?:\s++of\s++(?P<l2>[^\d;,.()]{{1,40}}+))?", re.IGNORECASE)
# 'IFN-γ levels before and after emapalumab were 1520 ± 340 and 210 ± 95 pg/mL, respectively (P = 0.004)':
# exactly two groups named before the verb, exactly two values after it, 'respectively', then the p-value.
RESPECTIVELY = re.compile(  # blank runs read once (possessive); a label opens and ends with a non-blank
    rf"\b(?:(?P<ba>before\s++and\s++after)\s++(?P<what>[^,.;()\d\s][^,.;()\d]{{0,39}}?)|"
    rf"(?:in|for|among|with)\s++(?P<l1>(?:the\s++)?[A-Za-z][^,.;()\d]{{0,40}}?)(?<=\S)\s++and\s++"
    rf"(?P<l2>(?:the\s++)?[A-Za-z][^,.;()\d]{{0,40}}?))(?<=\S)\s++(?:were|was)\s++(?:(?:median|mean)\s++)?"
    rf"{_item('1', label=False)}\s++and\s++{_item('2', label=False)}\s*+,?\s*+respectively\b",
    re.IGNORECASE)
# 'ICANS rates were 45% and 20% for axi-cel and tisa-cel (P = .02)': the two values, then the two groups in one
# phrase, then the p-value that tests them (without it, 'a and b in A and B' is two subgroup values)
VALUES_GROUPS = re.compile(  # blank runs read once (possessive); a label opens and ends with a non-blank
    rf"\b(?:was|were)\s++(?:(?:median|mean)\s++)?{_item('1', label=False)}\s++and\s++{_item('2', label=False)}\s++"
    rf"(?:in|for|among|with)\s++(?P<l1>(?:the\s++)?[A-Za-z][^,.;()\d\s]{{0,30}}+)\s++and\s++"
    rf"(?P<l2>(?:the\s++)?[A-Za-z][^,.;()\d]{{0,40}}?)(?<=\S)(?:\s*+,?\s*+respectively)?"
    rf"(?=\s*+[(\[,;]\s*+[Pp]\b|\s*+\([^()]*\b[Pp]\s*[=<>≤≥])", re.IGNORECASE)
# an effect size with its CI: 'HR, 0.74; 95% CI, 0.36–1.51', 'odds ratio 2.1 (95% CI 1.2-3.4)', 'aOR = 3.2, 95% CI ...'
EFFECT = re.compile(
    rf"\b(?P<stat>a?[HO]Rs?|[aI]?RRs?|sHR|(?:(?:adjusted|multivariable|multivariate)\s+)?(?:hazard|odds)\s+ratios?|"
    rf"relative\s+risk|risk\s+ratio)\s*+(?:[(\[][A-Za-z]{{2,4}}[)\]]\s*+)?"
    # what the ratio is for, named between it and its value: 'HR for progression or death, 0.71; 95% CI ...'
    rf"(?:(?:for|of)\s++(?P<what>[A-Za-z][^,;:()\[\]\d=]{{0,50}}?)(?:\s*+[,:=]\s*+|\s++(?:was|of)\s++|\s++(?=\d)))?"
    rf"(?:[,:=]\s*+|(?<=\s)(?:of|was|=)\s++)?"
    rf"(?P<v>{NUMB})(?:\s*+(?:[;,]\s*+|[(\[]\s*+)(?:{CI_BODY})|(?=\s*+[;,]\s*+[Pp]\s*+[=<>≤≥])"
    # the interval in brackets without its name: 'HR = 2.5 (1.2–5.1)', 'OR 3.2 [1.4-7.5]'
    rf"|\s*+[(\[]\s*+(?P<lo3>{SNUM}){DASH}(?P<hi3>{SNUM})\s*+[)\]])", re.IGNORECASE)
# (blank runs read once: possessive; 'of/was/=' needs a blank before it, as the former '\s+' did)
# 'median OS 10.5 months vs. not reached', '12.1 months (95% CI 8-15) versus NR (P = .002)'
NOT_REACHED = re.compile(rf"{NB}(?P<v1>{NUMB})\s?(?P<u1>{UNIT})?(?:\s?\([^()]{{0,60}}\))?\s*(?P<sep>{SEP})\s*"
                         rf"(?P<nr>not\s+(?:yet\s+)?reached|NR)\b", re.IGNORECASE)
# 'median OS was not reached vs 12.3 months': the same, 'not reached' first
NOT_REACHED_FIRST = re.compile(rf"\b(?P<nr>not\s+(?:yet\s+)?reached|NR)\b(?:\s?\([^()]{{0,60}}\))?\s*(?P<sep>{SEP})\s*"
                               rf"{NB}(?P<v1>{NUMB})\s?(?P<u1>{UNIT})?", re.IGNORECASE)
# two outcomes in two groups, as parallel lists: 'Any-grade and grade ≥3 CRS occurred in 77.4% and 3.2% of PD patients
# vs 94.6% and 16.2% of controls (P = .03 and P = .07, respectively)', '... was 37% (95% CI, ...) and 12% (...) with
# CD19 products, compared with 13% (...) and 3% (...) with BCMA products (P < .001 for both)'; blank runs read once
_LV = r"(?P<{0}>{1})\s?%(?:\s*+\([^()]{{0,40}}\))?"
PAIRED_LISTS = re.compile(
    rf"{NB}{_LV.format('a1', NUM)}\s*+,?\s*+and\s++{_LV.format('a2', NUM)}(?P<la>[^%;()]{{0,50}}?)\s*+,?\s*+"
    rf"(?:vs\.?|versus|compared\s++(?:with|to))\s++{_LV.format('b1', NUM)}\s*+,?\s*+and\s++{_LV.format('b2', NUM)}"
    rf"(?P<lb>[^%;()]{{0,50}}?)(?=\s*+[(,;.]|$)", re.IGNORECASE)
P_EACH = re.compile(rf"\s*+[(\[,;]?\s*+(?P<p1>{P_VALUE.replace('(?P<ptext>', '(?P<pt1>').replace('(?P<pop>', '(?:').replace('(?P<pval>', '(?:')})"
                    rf"\s*+(?:,\s*+)?and\s++(?P<p2>{P_VALUE.replace('(?P<ptext>', '(?P<pt2>').replace('(?P<pop>', '(?:').replace('(?P<pval>', '(?:')})"
                    rf"\s*+,?\s*+respectively|\s*+[(\[,;]?\s*+(?P<pb>{P_VALUE.replace('(?P<ptext>', '(?P<ptb>').replace('(?P<pop>', '(?:').replace('(?P<pval>', '(?:')})"
                    rf"\s++(?:for\s++both|in\s++both|for\s++each)")
EFFECT_CUE = re.compile(r"\b(?:a?[HO]Rs?|[aI]?RRs?|sHR)\b")
_STAT_UNIT = {"hazard ratio": "HR", "odds ratio": "OR", "relative risk": "RR", "risk ratio": "RR"}
# 'Infection rates were 40% and 22% in the ALL and NHL cohorts, respectively (P = .03)': values first, then groups
# ... and 'occurred in 30% and 10% of patients with and without CRS, respectively (P = .03)'
RESPECTIVELY_AFTER = re.compile(
    rf"\b(?:was|were|(?:occurred|observed|seen|reported)\s+in)\s++(?:(?:median|mean)\s++)?{_item('1', label=False)}\s++and\s++"
    # the p-value may sit between the values and the groups: '... in 37% and 64% (P < .001) of patients in A and B'
    rf"{_item('2', label=False)}(?:\s*+\((?P<pin>[^()]{{0,40}}?\b[Pp]\s*+[=<>≤≥][^()]{{0,20}})\))?\s++{_OF_PATIENTS}"
    rf"(?:with\s+and\s+without\s++(?P<wx>[A-Za-z][^,.;()\d]{{0,40}}?)|"
    rf"(?:in|for|among|with)\s++(?:the\s++)?(?P<l1>[A-Za-z][^,.;()\d]{{0,40}}?)\s++(?:and|vs\.?|versus)\s++(?:the\s++)?"
    rf"(?P<l2>[A-Za-z][^,.;()\d]{{0,40}}?))\s*+(?:,\s*+)?respectively\b", re.IGNORECASE)  # blank runs read once
# (one level of brackets inside: '(12/30 (40%) vs 5/30 (17%), P = .04)')
PAREN_CANDIDATE = re.compile(r"\((?=(?:[^()]|\([^()]{0,40}\)){0,300}?(?:\bvs?\b\.?|versus|compared|"
                             r"\b[Pp](?:\s?[-‐]?\s?values?)?\s*[=<>≤≥])|\s*+from\s++[-−]?\d)")
# '(P = .03)', '(log-rank p = 0.35)', '(Fisher's exact test, P < .001)': a p-value, maybe named by its test
P_ONLY = re.compile(  # blank runs read once (possessive): ' , ' or ' ' between the test's name and the p-value
    rf"^\s*+(?:[A-Za-z][\w'’-]*(?:\s++[\w'’-]+){{0,2}}?(?:\s*+[,:]\s++|\s++))?{P_RE.pattern}\s*$")
LIST_BEFORE = re.compile(rf"(?:(?<!\d){NUM}\s?%?|\))\s*+(?:,|and|or|&)\s*+$")
LIST_AFTER = re.compile(rf"^\s*(?:,|and|or|&)\s*{NB}{SNUM}")
ANOTHER_PAIR = re.compile(rf"{NB}{SNUM}\s?\S{{0,12}}\s*{SEP}\s*{SNUM}", re.IGNORECASE)
ASSOCIATION = re.compile(r"\b(?:associat\w*|correlat\w*|predict\w*|linked|related|relationships?)\b", re.IGNORECASE)
CUE = re.compile(r"significan|higher|lower|increas|decreas|reduc|elevat|differ|improv|associat|correlat|"
                 r"greater|better|worse|longer|shorter|declin|rose|fell|frequent|common|likel|fewer|\bmore\b|\bless\b|"
                 r"similar|comparable",
                 re.IGNORECASE)


INCREASE = re.compile(r"\b(?:increas\w*|rose|risen|rising|elevat\w*|grew|expan(?:ded|sion)|up-?regulat\w*)\b",
                      re.IGNORECASE)
DECREASE = re.compile(r"\b(?:decreas\w*|declin\w*|reduc\w*|fell|fallen|drop\w*|diminish\w*|lowered|"
                      r"down-?regulat\w*)\b", re.IGNORECASE)
UNCHANGED = re.compile(r"\b(?:unchanged|did\s+not\s+change|remained\s+(?:stable|similar|unchanged)|no\s+(?:significant\s+)?"
                       r"change)\b", re.IGNORECASE)
# words that name two groups in a sentence: then the pair is A vs B, not before / after a treatment
GROUPS_NAMED = re.compile(r"\b(?:between|than|compared\s+(?:with|to)|versus|vs\.?|groups?|arms?|cohorts?|"
                          r"(?:patients|pts|those|children|adults)\s+(?:with|who|without|receiving)|responders|non-?responders)\b",
                          re.IGNORECASE)
AFTER_X = re.compile(r"\b(?:after|following|post-?)\s*(?:the\s+)?(?:administration\s+of\s+|treatment\s+with\s+|"
                     r"initiation\s+of\s+)?$", re.IGNORECASE)
EFFECT_VERB = re.compile(r"\b(?:improv\w*|reduc\w*|decreas\w*|increas\w*|normali[sz]\w*|lower\w*|resolv\w*|"
                         r"led\s+to|resulted\s+in|was\s+followed\s+by)\b", re.IGNORECASE)


_GRP = (r"(?:the\s+|those\s+)?(?P<{0}>[A-Za-z](?:(?!\b(?:had|has|have|was|were|is|are|showed|experienced|achieved|"
        r"developed|between|than)\b)[^,;()]){{0,50}}?)")
GROUP_PAIRS = (
    # 'between CCS and non-CCS groups', 'between the survival and non-survival groups'
    re.compile(r"\bbetween\s+" + _GRP.format("a") + r"\s+and\s+" + _GRP.format("b")
               + r"(?:\s+(?:groups?|arms?|cohorts?|patients|pts))?\s*$", re.IGNORECASE),
    # 'higher in responders than in non-responders', 'in A compared with B'
    re.compile(r"\b(?:in|among|for|with)\s+" + _GRP.format("a") + r"\s+(?:than|compared\s+(?:with|to)|versus|vs\.?)\s+"
               r"(?:in\s+|among\s+|for\s+|with\s+)?" + _GRP.format("b") + r"\s*$", re.IGNORECASE),
    # 'Omicron vs previous variants', 'TCZ versus non-TCZ groups'
    re.compile(r"\b(?P<a>[A-Za-z][\w+/-]{0,40}(?:\s+[\w+/-]{1,40}){0,2}?)\s+(?:vs\.?|versus)\s+"
               r"(?P<b>[A-Za-z][\w+/-]{0,40}(?:\s+[\w+/-]{1,40}){0,2}?)"
               r"(?:\s+(?:groups?|arms?|cohorts?))?\s*$", re.IGNORECASE),
)


def unnamed(at: int) -> Subject:
    """A pair whose quantity the words do not name: the analyte is left for the curator."""
    return Subject(None, "", at, at, None, "unnamed", False)


def _opening(text: str, start: int, end: int) -> int:
    """Where the bracket that closes a suggestion's evidence opens ('PFS ... groups (log-rank p = 0.69)' → its
    '('), else the first bracket of the evidence, else its start."""
    if text[end - 1:end] in ")]":
        depth = 0
        for i in range(end - 1, start - 1, -1):
            if text[i] in ")]":
                depth += 1
            elif text[i] in "([":
                depth -= 1
                if depth == 0:
                    return i
    o = text.find("(", start, end)
    return o if o >= 0 else start


def group_labels(doc: Doc, found: list[Suggestion]) -> None:
    """Name A and B when the clause before a pair names the two groups ('higher in A than in B (a vs b)',
    'between A and B (P = ...)', 'A vs B groups (...)'); a label is the words as written."""
    from curator.extract.subjects import clause_start, depth0

    text = doc.text
    for c in found:
        f = c.fields
        if f.get("label_a") or f.get("label_b") or f.get("effect"):
            continue
        s0, _ = doc.sentence(c.start)
        anchor = _opening(text, c.start, c.end)
        cs = clause_start(text, anchor, s0)
        flat = depth0(text, cs, anchor).rstrip(" ,:")
        for rx in GROUP_PAIRS:
            m = rx.search(flat)
            if m:
                a, b = " ".join(m.group("a").split()), " ".join(m.group("b").split())
                if a.lower() != b.lower() and not re.search(r"\d", a + b):
                    f["label_a"], f["label_b"] = a, b
                break


def _paragraph(text: str, pos: int) -> tuple[int, int]:
    a = text.rfind("\n\n", 0, pos)
    b = text.find("\n\n", pos)
    return (0 if a < 0 else a + 2), (len(text) if b < 0 else b)


def before_after(doc: Doc, found: list[Suggestion]) -> None:
    """Name A and B and the stated direction of paired values that compare before and after a treatment.

    Shape: a pair with no group named in its sentence (no 'between', 'than', 'group', 'patients with' outside
    the brackets), in a paragraph about one treatment — a drug the paragraph's first sentence says acted
    ('Emapalumab significantly improved ...'), or 'after/following X' in the sentence. Then A is 'before X',
    B 'after X', and the direction is the change word of the sentence nearest the pair ('the rapid decrease in
    ... (a vs b)', '... (a vs b) ... increased significantly'). A from-to change states its direction in its
    verb. The direction is recorded as written, so a check can compare it with the numbers."""
    from curator.extract.subjects import depth0

    text = doc.text
    for c in found:
        f = c.fields
        if f.get("value_a") is None or f.get("value_b") is None or f.get("effect"):
            continue
        s0, s1 = doc.sentence(c.start)
        flat = depth0(text, s0, s1)
        if c.rule.startswith("comparison.from_to"):
            verb = re.search(r"\w+", text[c.start:c.end])
            vm = re.search(r"\b(?:decreas|declin|dropp|fell|fall|reduc|increas|rose|ris|elevat)\w*", text[c.start:c.end],
                           re.IGNORECASE)
            if vm and verb:
                f["direction"] = "increased" if INCREASE.match(vm.group()) or vm.group().lower().startswith("ris") \
                    else "decreased"
            continue
        if f.get("label_a") or f.get("label_b") or GROUPS_NAMED.search(flat):
            continue
        treatment = None
        p0, _ = _paragraph(text, c.start)
        first = doc.sentence(p0)
        drugs = [h for h in doc.drugs if first[0] <= h.start < first[1]]
        if drugs and EFFECT_VERB.search(text, drugs[0].end, first[1]):
            treatment = drugs[0].canonical
        else:
            for h in doc.drugs:
                if s0 <= h.start < s1 and AFTER_X.search(text, max(s0, h.start - 40), h.start):
                    treatment = h.canonical
                    break
        if treatment is None:
            continue
        f["label_a"], f["label_b"] = f"before {treatment}", f"after {treatment}"
        words = [(m.start(), "increased") for m in INCREASE.finditer(flat)] + \
                [(m.start(), "decreased") for m in DECREASE.finditer(flat)] + \
                [(m.start(), "unchanged") for m in UNCHANGED.finditer(flat)]
        if words:
            mid = (c.start + c.end) / 2 - s0
            f["direction"] = min(words, key=lambda w: abs(w[0] - mid))[1]


def _units(m: re.Match[str]) -> tuple[str | None, bool]:
    """(unit as written for the pair, consistent?)."""
    g = m.groupdict()
    u1 = g.get("u1") or g.get("s1") or g.get("w1")
    u2 = g.get("u2") or g.get("s2") or g.get("w2")
    if u1 and u2:
        p1, p2 = parse_unit(u1), parse_unit(u2)
        if p1 and p2 and p1.code != p2.code:
            return None, False
        if (p1 is None) != (p2 is None):
            return None, False
    return (u2 or u1), True


def _p(text: str, start: int, end: int) -> dict[str, Any] | None:
    m = P_RE.search(text, start, end)
    if not m:
        return None
    op, value = parse_p(m.group("ptext"))
    if value is None:
        return None
    return {"p_operator": op, "p_value": value, "p_text": m.group("ptext"), "_p_end": m.end()}


def _fields(subj: Subject, m: re.Match[str] | None, unit: str | None, p: dict[str, Any] | None) -> dict[str, Any]:
    f: dict[str, Any] = {
        "analyte": subj.analyte,
        "analyte_as_written": subj.as_written,
        "value_a": num(m.group("v1")) if m else None,
        "value_b": num(m.group("v2")) if m else None,
        "unit": unit,
        "p_operator": p["p_operator"] if p else None,
        "p_value": p["p_value"] if p else None,
        "p_text": p["p_text"] if p else None,
        "statistic": subj.statistic,
    }
    if m is not None and unit is None:
        # 'CRS occurred in 20 (80%) vs 10 (40%) patients': counts with their shares — the shares are compared
        d1 = m.groupdict().get("d1") or m.groupdict().get("e1")  # '9 (45%)' or '9 [45%]'
        d2 = m.groupdict().get("d2") or m.groupdict().get("e2")
        pct = rf"\s*({NUM})\s?%\s*"
        if d1 and d2 and re.fullmatch(pct, d1) and re.fullmatch(pct, d2):
            f.update({"value_a": num(re.fullmatch(pct, d1).group(1)), "value_b": num(re.fullmatch(pct, d2).group(1)),
                      "unit": "%", "count_a": f["value_a"], "count_b": f["value_b"]})
    if m is not None:
        for i, key in (("1", "value_a_operator"), ("2", "value_b_operator")):
            op = m.groupdict().get(f"op{i}")
            if op:
                f[key] = op.strip()
        la, lb = m.groupdict().get("l1"), m.groupdict().get("l2")
        if la:
            f["label_a"] = la.strip()
        if lb:
            f["label_b"] = lb.strip()
    return f


def _plausible(m: re.Match[str]) -> bool:
    a, b = m.group("v1"), m.group("v2")
    g = m.groupdict()
    if (g.get("f1") or g.get("f2")) and not all((g.get(f"d{i}") or g.get(f"e{i}"))
                                               and re.fullmatch(rf"\s*{NUM}\s?%\s*", g.get(f"d{i}") or g[f"e{i}"])
                                               for i in "12"):
        return False  # fractions without their shares ('0/10 vs 3/10') are left alone
    try:
        fa, fb = float(num(a)), float(num(b))
    except (TypeError, ValueError):
        return False
    # two calendar years are a period, not a pair of values
    if re.fullmatch(r"(?:19|20)\d\d", a) and re.fullmatch(r"(?:19|20)\d\d", b):
        return False
    return not (fa == 0 and fb == 0 and not m.group("u1") and not m.group("u2"))


def _p_after(doc: Doc, end: int, s_end: int) -> tuple[dict[str, Any] | None, int]:
    """The p-value right after a pair: '(P = .03)' / '(difference...; P = .006)' or ', P = .03'."""
    text = doc.text
    after = text[end:s_end]
    am = re.match(r"\s*+,?\s*+(?:respectively\s*+)?(?:(?:patients|pts|cases|subjects|children|adults|recipients)\s*+)?(?:(?:within|after|at|by|over|during|in)\s+(?:the\s+first\s+)?\d+\s*"
                  r"(?:h|hrs?|hours?|days?|weeks?|months?)\s*)?"
                  # '... to 42 mg/L two days later (P < .001)': when the second value was read
                  r"(?:(?:\d+|one|two|three|four|five|six|seven|ten|several)\s+(?:h|hours?|days?|weeks?)\s+later\s*)?"
                  # '... versus 15% without (P = .04)', '... vs 20% in controls (P = .01)': the second group's name
                  r"(?:(?:with(?:out)?|in|among|for|at|after|before|during)(?:\s++(?:the\s++)?[A-Za-z][\w-]*+(?:\s++[A-Za-z][\w-]*+){0,5}?)?(?:\s++\d++)?\s*+)?"
                  # the rest of a group's grade after its label: '... in those with grade 0-II CRS (P = .002)'
                  # (the syndrome named in up to three words: '... grade 0-II cytokine release syndrome (P = .002)')
                  r"(?:[0-5IV]{1,3}+(?:\s*+[-–/]\s*+[0-5IV]{1,3}+)?\s++(?:[A-Za-z][\w-]*+\s*+){0,3})?([(\[])", after)
    if am:
        o = end + am.start(1)
        c = balanced_close(text, o)
        if c is not None and not ANOTHER_PAIR.search(text, o, c):
            p = _p(text, o + 1, c)
            if p:
                return p, c + 1
        return None, end
    am = re.match(r"\s*[,;]\s*(?=[Pp]\b|[Pp]\s?[-‐]?\s?val)", after)
    if am:
        p = _p(text, end + am.end(), min(s_end, end + am.end() + 30))
        if p:
            return p, p["_p_end"]
    return None, end


def find(doc: Doc) -> list[Suggestion]:
    text = doc.text
    out: list[Suggestion] = []
    taken: list[tuple[int, int]] = []
    p_only: list[tuple[int, int]] = []

    pairs: list[tuple[int, int]] = []  # the values of pairs read in running text (without their p-value's bracket)

    def _p_source(at: int) -> bool:
        """`at` lies in a bracket opened after the last running-text pair before it (where it found its p-value)."""
        before = [pe for ps, pe in pairs if ps <= at]
        return bool(before) and text.rfind("(", 0, at) >= max(before)

    def free(s: int, e: int) -> bool:
        return not any(s < te and ts < e for ts, te in taken)

    # ---- inside one parenthesis
    for pm in PAREN_CANDIDATE.finditer(text):
        o = pm.start()
        c = balanced_close(text, o)
        if c is None:
            continue
        inner = text[o + 1:c]
        s_start, _ = doc.sentence(o)
        m = PAIR.match(inner) or PAIR_LABELLED.match(inner) or PAREN_FROM_TO.match(inner) or \
            PAREN_RESPECTIVELY.match(inner)
        if m:
            rest = m.group("rest") or ""
            if ANOTHER_PAIR.search(rest) or LIST_AFTER.match(rest) or not _plausible(m):
                continue
            unit, ok = _units(m)
            if not ok:
                continue
            label = None
            grade_label = m.group("label") if m.group("label") and GRADE_LABEL.match(m.group("label")) else None
            if m.group("label") and not grade_label:
                label = (o + 1 + m.start("label"), o + 1 + m.end("label"))
            subj = find_subject(doc, o, s_start, label=label)
            if subj is None and grade_label:
                subj = find_subject(doc, o, s_start, label=(o + 1 + m.start("label"), o + 1 + m.end("label")))
            elif subj is not None and grade_label:  # 'Severe ICANS was comparable (grade 3-4, a vs b, P)'
                subj.as_written = f"{subj.as_written} ({grade_label.strip()})"
            p = _p(text, o + 1 + m.start("rest"), c) if rest else None
            if subj is None and p is not None and m.re in (PAIR, PAIR_LABELLED) and m.group("sep").lower() != "and":
                # '(12% versus 35%; p = 0.02)': the pair and its test are unmistakable even when the words
                # before it name no quantity the rules can read; the curator names it (confidence is low)
                subj = unnamed(o)
            if subj is None:
                continue
            if p is None and m.re is PAIR and m.group("sep").lower() == "and":
                continue  # '(25% and 28%, P = .7)' pairs only with the p-value that tests it
            if p is None and m.re is PAREN_RESPECTIVELY:
                continue  # 'a and b, respectively' is a comparison only with the p-value that tests it
            if p is None and m.re is PAREN_FROM_TO and not (re.match(r"\s*from\b", inner, re.IGNORECASE) and (
                    INCREASE.search(text, s_start, o) or DECREASE.search(text, s_start, o))):
                continue  # '(from 145 to 32 mg/L)' after a change verb is the change; a bare '(2 to 5)' is no pair
            if subj.statistic is None and (m.group("label") or m.group("label2")):
                st = (m.group("label") or m.group("label2")).lower().split()
                subj.statistic = next((STATISTICS[w] for w in st if w in STATISTICS), None)
            conf = 0.9 if subj.in_vocabulary else 0.5 if subj.how == "unnamed" else 0.7
            if p is None:
                conf -= 0.1
            out.append(make("comparison", _fields(subj, m, unit, p), text, subj.start, c + 1, conf,
                            f"comparison.paren/{subj.how}"))
            taken.append((o, c + 1))
        elif P_ONLY.match(inner):
            p_only.append((o, c))

    # ---- two outcomes (before the single pairs: each list's first values are no pair of their own)
    # ---- compared in two groups, as parallel lists
    if doc.has(" vs", "versus", "compared with", "compared to"):
        out += _paired_lists(doc, free, taken)

    # ---- in running text
    passes = []
    if doc.has(" vs", "versus", " v ", " v.", "compared with", "compared to", " and "):
        passes.append((SHARES, "comparison.shares"))
    if doc.has(" vs", "versus", " v ", " v.", "compared with", "compared to"):
        passes += [(INLINE, "comparison.inline"), (HAD, "comparison.had")]
    if doc.has(" vs", "versus", " v ", " v.", "compared with", "compared to", "than"):
        passes.append((GROUPS, "comparison.groups"))
    if doc.has(" from "):
        passes += [(FROM_TO, "comparison.from_to"), (FROM_TO_GAPPED, "comparison.from_to")]
    if doc.has("baseline"):
        passes.append((BASELINE, "comparison.baseline"))
    if doc.has(" and ", " while ", " whereas ", " but "):
        passes.append((AND_PAIR, "comparison.and_pair"))
        passes.append((VALUES_GROUPS, "comparison.values_groups"))
    if doc.has("respectively"):
        passes += [(RESPECTIVELY, "comparison.respectively"), (RESPECTIVELY_AFTER, "comparison.respectively")]
    for rx, rule in passes:
        for m in rx.finditer(text):
            a0 = m.start("v1") if rule not in ("comparison.from_to", "comparison.baseline") else m.start()
            if not free(m.start(), m.end()):
                continue
            s_start, s_end = doc.sentence(m.start())
            cs = clause_start(text, a0, s_start)
            if rule == "comparison.inline" and cs > s_start and text[cs - 1] in "([":
                continue  # inside a parenthesis: the paren rule's business
            if LIST_BEFORE.search(text[max(s_start, a0 - 12):a0]) or LIST_AFTER.match(text[m.end():m.end() + 15]):
                continue
            if not _plausible(m):
                continue
            unit, ok = _units(m)
            if not ok:
                continue
            if rule == "comparison.had":
                subj = make_subject(doc, m.start("np"), m.end("np"), "had", max_words=12)
            elif rule == "comparison.from_to" and m.group("obj").strip() and \
                    (subj := make_subject(doc, m.start("obj"), m.end("obj"), "object")) is not None:
                pass  # 'reducing mortality from 32% to 0%': what changed is named between the verb and 'from'
            else:
                anchor = a0 if rule not in ("comparison.groups", "comparison.respectively", "comparison.shares") \
                    else m.start()
                subj = None
                w0 = max(s_start, anchor - 45)
                lm = re.search(r"[A-Za-z][\w\-+/ ]{0,40}[:,]\s*$", text[w0:anchor])
                if lm and (lm.group().rstrip().endswith(":") or not text[s_start:w0 + lm.start()].strip()
                           or text[s_start:w0 + lm.start()].rstrip()[-1] in ";:("):
                    # 'fatty: 10.0 vs. 7.7 mm3/mm'; a clause that opens with the name and a comma: 'Neurotoxicity,
                    # 6.5% vs 10.8% (P = .68)'
                    subj = np_before(doc, w0 + lm.start() + len(lm.group().rstrip()) - 1, s_start)
                if subj is None:
                    subj = find_subject(doc, anchor, s_start,
                                        allow_np=rule in ("comparison.from_to", "comparison.respectively",
                                                          "comparison.baseline"))
            if subj is None and rule == "comparison.shares" and (o := text.rfind("(", s_start, m.start())) >= 0 \
                    and (c := balanced_close(text, o)) is not None and c >= m.end() and not text[o + 1:m.start()].strip():
                subj = find_subject(doc, o, s_start)  # the bracket after the name: 'neutropenia (83 [72%] of 115 vs ...)'
            if subj is None and rule == "comparison.shares":
                subj = unnamed(m.start())  # the two shares are unmistakable; offered only with their test (below)
            if subj is None or (rule != "comparison.had" and subj.how not in ("object", "unnamed") and subj.end > a0):
                continue
            p, end = _p_after(doc, m.end(), s_end)
            if p is None and subj.how == "unnamed":
                continue
            if p is None and m.groupdict().get("pin"):
                p = _p(text, m.start("pin"), m.end("pin"))
            if p is None and (rule in ("comparison.and_pair", "comparison.respectively", "comparison.values_groups")
                              or (rule == "comparison.shares" and m.group("sep").lower().startswith("and"))):
                continue  # 'a in A and b in B' pairs only with the p-value that tests them
            if p is None and rule == "comparison.groups" and m.group("rest2"):
                p = _p(text, m.start("rest2"), m.end("rest2"))
            conf = (0.8 if subj.in_vocabulary else 0.65) - (0.1 if p is None else 0)
            start = min(subj.start, m.start())
            fields = _fields(subj, m, unit, p)
            gm = GROUPS_RESPECTIVELY.match(fields.get("label_b") or "") if not fields.get("label_a") else None
            if gm and re.match(r"\s*+,?\s*+respectively\b", text[m.end():m.end() + 20]):
                fields["label_a"], fields["label_b"] = (f"{gm.group('a')} {gm.group('n')}".strip(),
                                                        f"{gm.group('b')} {gm.group('n')}".strip())
            if rule == "comparison.baseline":
                fields["label_a"] = "baseline"
            if rule == "comparison.respectively" and m.groupdict().get("wx"):
                fields["label_a"], fields["label_b"] = f"with {m.group('wx').strip()}", f"without {m.group('wx').strip()}"
            if rule == "comparison.respectively" and m.groupdict().get("what"):
                what = " ".join(m.group("what").split())
                fields["label_a"], fields["label_b"] = f"before {what}", f"after {what}"
            if text[end:end + 1] == ")" and text.count("(", start, end) > text.count(")", start, end):
                end += 1  # the bracket the shares stood in closes the evidence
            out.append(make("comparison", fields, text, start, end, conf, f"{rule}/{subj.how}"))
            taken.append((m.start(), end))
            pairs.append((m.start(), m.end()))

    # ---- a value against 'not reached'
    if doc.has("not reached", "not yet reached") or "NR" in text:
        for m in (*NOT_REACHED.finditer(text), *NOT_REACHED_FIRST.finditer(text)):
            if not free(m.start(), m.end()):
                continue
            s_start, s_end = doc.sentence(m.start())
            subj = find_subject(doc, m.start(), s_start)
            if subj is None or subj.end > m.start():
                continue
            p, end = _p_after(doc, m.end(), s_end)
            fields = _fields(subj, None, m.group("u1"), p)
            if m.re is NOT_REACHED:
                fields.update({"value_a": num(m.group("v1")), "value_b_text": m.group("nr")})
            else:
                fields.update({"value_b": num(m.group("v1")), "value_a_text": m.group("nr")})
            out.append(make("comparison", fields, text, subj.start, end, 0.7 if subj.in_vocabulary else 0.55,
                            f"comparison.not_reached/{subj.how}"))
            taken.append((m.start(), end))

    # ---- effect sizes with their CI (HR / OR / RR): one value, the ratio, in value_a
    if doc.has("ratio", "relative risk") or EFFECT_CUE.search(text):
        for m in EFFECT.finditer(text):
            if not free(m.start("v"), m.end()) and (
                    any(ps < m.end() and m.start("v") < pe for ps, pe in pairs) or not _p_source(m.start())):
                # an effect size in the bracket a pair took its p-value from ('47% versus 34% (HR, 0.71; 95% CI
                # ...; P = .009)') is still read; one inside another comparison's own values is not
                continue
            s_start, s_end = doc.sentence(m.start())
            anchor = m.start()
            if text[max(s_start, anchor - 2):anchor].strip() in ("(", "["):
                anchor = anchor - (2 if text[anchor - 1] == " " else 1)
            subj = make_subject(doc, m.start("what"), m.end("what"), "label") if m.group("what") else None
            if subj is None:
                subj = find_subject(doc, anchor, s_start)
            if subj is None or (subj.end > m.start() and subj.how != "label"):
                continue
            stat = " ".join(m.group("stat").lower().split()).rstrip("s")
            unit = next((u for k, u in _STAT_UNIT.items() if stat.endswith(k)), m.group("stat").rstrip("s"))
            if unit in ("HR", "OR") and re.match(r"(?i)adjusted|multivariable|multivariate", stat):
                unit = "a" + unit
            lo, hi, lvl = ci_parts(m) if m.group("lo") is not None or m.group("lo2") is not None else (None, None, None)
            if m.group("lo3") is not None:
                lo, hi = num(m.group("lo3")), num(m.group("hi3"))
            p, end = _p_after(doc, m.end(), s_end)
            if p is None:
                # (or after the interval's closing bracket: 'HR = 1.42 [95% CI 1.05-1.93], p = 0.02')
                p = _p(text, m.end(), min(s_end, m.end() + 25)) if re.match(r"\s*+[)\]]?\s*+[;,]\s*+[Pp]\b",
                                                                           text[m.end():m.end() + 8]) else None
                end = max(m.end(), p["_p_end"]) if p else m.end()
            fields = _fields(subj, None, unit, p)
            fields.update({"value_a": num(m.group("v")), "effect": unit, "ci_low": lo, "ci_high": hi,
                           "ci_level": (num(str(lvl).rstrip("0").rstrip(".")) or lvl) if lvl is not None else None})
            if text[end:end + 1] in ")]" and text.count("(", subj.start, end) > text.count(")", subj.start, end):
                end += 1
            out.append(make("comparison", fields, text, subj.start, end, 0.75 if subj.in_vocabulary else 0.6,
                            f"comparison.effect/{subj.how}"))
            taken.append((m.start(), end))

    # ---- a named outcome with only a p-value
    for o, c in p_only:
        if not free(o, c + 1):
            continue
        s_start, _ = doc.sentence(o)
        subj = find_subject(doc, o, s_start, allow_np=False)
        if subj is None or subj.how == "label":
            continue
        cs = clause_start(text, o, s_start)
        if not subj.in_vocabulary and not CUE.search(text, cs, o):
            continue
        if re.search(r"\d", depth0(text, subj.end, o)):  # (digits inside an earlier bracket are its own)
            continue  # numbers between the outcome and its p-value: something else is being tested
        if ASSOCIATION.search(text, cs, o):
            continue  # 'X was associated with Y (p)': an association, not a comparison of X
        p = _p(text, o + 1, c)
        out.append(make("comparison", _fields(subj, None, None, p), text, subj.start, c + 1,
                        0.7 if subj.in_vocabulary else 0.55, f"comparison.p_only/{subj.how}"))
        taken.append((o, c + 1))
    out += _p_any(doc, out)
    before_after(doc, out)
    group_labels(doc, out)
    return out


def _paired_lists(doc: Doc, free: Any, taken: list[tuple[int, int]]) -> list[Suggestion]:
    """One comparison per outcome of two parallel lists ('a% and b% of A vs c% and d% of B'), each with its own
    p-value ('P = x and P = y, respectively', 'P < x for both'); offered only with those tests."""
    text, out = doc.text, []
    for m in PAIRED_LISTS.finditer(text):
        if not free(m.start(), m.end()):
            continue
        s_start, s_end = doc.sentence(m.start())
        pm = P_EACH.match(text, m.end(), s_end)
        if pm is None:
            continue
        ps = ([_p(text, pm.start("p1"), pm.end("p1")), _p(text, pm.start("p2"), pm.end("p2"))] if pm.group("p1")
              else [_p(text, pm.start("pb"), pm.end("pb"))] * 2)
        subj = find_subject(doc, m.start(), s_start)
        names = _two_names(subj.as_written) if subj is not None else None
        for k, (va, vb) in enumerate((("a1", "b1"), ("a2", "b2"))):
            p = ps[k]
            if p is None:
                break
            fields = {"analyte": names[k] if names else None, "analyte_as_written": names[k] if names else None,
                      "value_a": num(m.group(va)), "value_b": num(m.group(vb)), "unit": "%",
                      "p_operator": p["p_operator"], "p_value": p["p_value"], "p_text": p["p_text"], "statistic": None}
            la, lb = m.group("la").strip(" ,"), m.group("lb").strip(" ,")
            if la:
                fields["label_a"] = re.sub(r"^(?:of|in|with|among|for)\s+(?:the\s+)?", "", la, flags=re.IGNORECASE)
            if lb:
                fields["label_b"] = re.sub(r"^(?:of|in|with|among|for)\s+(?:the\s+)?", "", lb, flags=re.IGNORECASE)
            start = subj.start if subj is not None and subj.end <= m.start() else m.start()
            out.append(make("comparison", fields, text, start, pm.end(), 0.65 if names else 0.5,
                            "comparison.paired_lists" + ("" if names else "/unnamed")))
        taken.append((m.start(), pm.end()))
    return out


def _two_names(written: str) -> list[str] | None:
    """'Any-grade and grade ≥3 CRS' → ['Any-grade CRS', 'grade ≥3 CRS'] (the head noun written once, shared);
    None when the words name no two things."""
    parts = re.split(r"(?<!\s)\s++and\s++", written.strip(), maxsplit=1)
    if len(parts) != 2 or not parts[0] or not parts[1]:
        return None
    head = parts[1].split()[-1]
    first = parts[0] if len(parts[0].split()) > 1 and not re.search(r"(?i)grade|any", parts[0]) else f"{parts[0]} {head}"
    return [first, parts[1]]


def _enclosing(text: str, floor: int, pos: int) -> tuple[int, int | None]:
    """The bracket that encloses `pos` (the innermost still open there), with its closing index; (-1, None)."""
    depth = 0
    for i in range(pos - 1, max(floor, pos - 400) - 1, -1):
        ch = text[i]
        if ch in ")]":
            depth += 1
        elif ch in "([":
            if depth == 0:
                return i, balanced_close(text, i)
            depth -= 1
    return -1, None


# 'P < .05 was considered significant', 'two-sided p-values': the study's threshold, not a result
P_THRESHOLD = re.compile(r"\b(?:consider\w*|defined|deemed|regarded|set\s+at|threshold|level\s+of\s+significance|"
                         r"significance\s+level|alpha)\b", re.IGNORECASE)


def _p_any(doc: Doc, found: list[Suggestion]) -> list[Suggestion]:
    """comparison.p_value — every other p-value the text reports is an explicit contrast of what the words
    before it name: 'X was associated with Y (P = .01)', 'older age (P = .03) and high tumour burden (P = .01)
    were associated with ICANS', '..., P = .02'. Its values stay empty (the rules above read the values when
    the text states them as a pair); what is tested is the phrase before the p-value (its bracket)."""
    text = doc.text
    if not doc.car_t:
        return []  # the CAR-T curation schema (extract_dev's README) counts every p-value; general abstracts not
    if not doc.has("p", "P"):
        return []
    out: list[Suggestion] = []
    taken = [(s.start, s.end) for s in found]
    for m in P_RE.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        s_start, s_end = doc.sentence(m.start())
        if P_THRESHOLD.search(text, s_start, s_end):
            continue
        op, value = parse_p(m.group("ptext"))
        if value is None:
            continue
        # the p-value's own bracket (when in one) is where the tested phrase ends
        o, c = _enclosing(text, s_start, m.start())
        inside = o >= 0 and c is not None and c >= m.end()
        anchor = o if inside else m.start()
        if inside and (len(P_RE.findall(text, o, c)) > 1 or re.search(rf"{SEP}|respectively", text[o:c], re.IGNORECASE)):
            continue  # several p-values or a pair the rules above declined: not one contrast of one phrase
        if not inside:
            while anchor > s_start and text[anchor - 1] in " ,;:":
                anchor -= 1
        subj = find_subject(doc, anchor, s_start)
        if subj is None or subj.end > anchor:
            cs = clause_start(text, anchor, s_start)
            subj = make_subject(doc, cs, anchor, "clause", max_words=14) if anchor > cs else None
        if subj is None or re.search(r"\d\s?(?:%|[a-zA-Zµμ]{1,5}/)", depth0(text, subj.end, anchor)):
            continue  # a value between the phrase and its p-value: a change or a pair read elsewhere, not this
        end = (c + 1) if inside else m.end()
        p = {"p_operator": op, "p_value": value, "p_text": m.group("ptext")}
        out.append(make("comparison", _fields(subj, None, None, p), text, min(subj.start, anchor), end,
                        0.6 if subj.in_vocabulary else 0.5, f"comparison.p_value/{subj.how}"))
        taken.append((min(subj.start, anchor), end))
    return out
