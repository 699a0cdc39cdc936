"""What in a question, or about the person asking it, calls for the safety answers first.

Sentence embeddings match meaning loosely: "I've been starving myself to lose weight" sits
closest to the weight-loss-plateau answer, which tells the speaker to eat less, and "I nearly
passed out at the gym" closest to asking for today's workout. So the words that signal pain,
injury, a warning sign or disordered eating are read directly, and those questions are
answered from the safety entries before anything else. Who is asking matters too: advice to
eat less or to take a supplement is not for someone under 18, pregnant, or on a medicine it
could interact with, whatever the question's wording.
"""

from __future__ import annotations

import re

# Weight-loss advice for adults is not advice for a growing body.
ADULT_AGE = 18

_PAIN = re.compile(
    r"\b(?:pain|painful|hurts?|hurting|ache|aching|injur(?:y|ed|ies)|sprain(?:ed)?|strain(?:ed)?|"
    r"swollen|swelling|numb(?:ness)?|tingl(?:e|ing)|dizzy|dizziness|faint(?:ed)?|chest tight|"
    r"pulled a muscle|tweaked|popped|clicks?|clicking|pregnan(?:t|cy)|sick|fever)\b"
)

# Warning signs the safety entries exist for, said without the word pain.
_WARNING_SIGNS = re.compile(
    r"\b(?:pass(?:ed|ing)? out|black(?:ed|ing)? out|light ?-?headed|"
    r"can'?t (?:catch my breath|breathe)|struggling to breathe|short(?:ness)? of breath|"
    r"pins and needles|(?:sudden|severe|bad|pounding) headache|headaches? (?:while|during|when)|"
    r"head (?:is )?pounding|cramp(?:s|ing|ed)?|swell(?:s|ed|ing)? up|overheat(?:ing|ed)?|"
    r"heat ?stroke|heat exhaustion|can'?t straighten|chest (?:feels )?tight|tight(?:ness)? in "
    r"my chest|palpitations|heart (?:is )?racing|racing heart|"
    r"(?:with|have|got) (?:a|the) (?:cold|flu)|"
    r"(?:brown|cola|red|bloody)\b[^.?!]{0,25}\b(?:urine|pee|wee)|"
    r"(?:urine|pee|wee)\b[^.?!]{0,25}\b(?:brown|cola|red|blood))"
)

# Ways people describe restricting, purging, bingeing or compensating. Each needs the eating
# context around it: "I'm starving" after training is hunger, and throwing up after a hard
# set is exertion, not a sign of an eating disorder.
_DISORDERED_EATING = re.compile(
    r"\b(?:eating disorders?|anorexi\w*|bulimi\w*|"
    r"starv(?:e|ed|ing) myself|starvation diet|"
    r"make myself (?:sick|throw up|vomit)|made myself (?:sick|throw up|vomit)|"
    r"(?:throw|throwing|threw) up (?:after|what) (?:i )?(?:eat|eating|ate|meals?|food)|"
    r"vomit(?:ing)? after (?:i )?(?:eat|eating|ate|meals?|food)|"
    r"purg(?:e|es|ed|ing)|laxatives?|diet pills?|"
    r"bing(?:e|es|ed|eing|ing)(?! ?watch)|"
    r"(?:barely|hardly) eat(?:ing)? (?:anything|at all|all day)|"
    r"eat(?:ing)? (?:almost )?nothing(?! but| except| other| after| before| late)|"
    r"skip(?:ping)? (?:meals|eating|food) (?:so|to|because)|"
    r"(?:burn|work) off (?:everything|every calorie|all the calories|what) i (?:eat|ate)|"
    r"guilty (?:after|about|when) (?:i )?(?:eat|eating|ate)|"
    r"hate my body|still (?:feel|look) fat|out of control around food|"
    r"(?:eat|eating|ate|having|have|on|intake of|only|just|under|less than) "
    r"(?:only |just |about |around |under |less than )?[1-9]\d{2} (?:calories|kcal) "
    r"(?:a|per|each) day(?! (?:less|fewer|under|below|more|extra|over|above)))"
)

_SPOKEN_TEEN_AGE = r"(?:1[0-7]|thirteen|fourteen|fifteen|sixteen|seventeen)"
# "I'm 16", "I am fifteen years old", "a 15 year old": an age, not a weight, a body-fat
# figure or how far along a pregnancy is.
_UNDER_18 = re.compile(
    rf"\b(?:(?:i'?m|i am|im)\s+(?:only\s+|just\s+)?{_SPOKEN_TEEN_AGE}"
    r"(?!\s*(?:kg|kilos?|kilograms?|pounds?|lbs?|stone|st\b|%|per ?cent|percent|minutes?|mins?|"
    r"reps?|sets?|weeks?|days?|months?|hours?|and a half|[.,]\d|\d))"
    rf"|{_SPOKEN_TEEN_AGE}[ -](?:years?|yrs?)[ -]old|"
    r"teen|teens|teenager|teenage|high school|middle school|secondary school)\b"
)
_PREGNANT_OR_BREASTFEEDING = re.compile(
    r"\b(?:pregnan(?:t|cy)|expecting a baby|breast ?feeding|nursing my baby|"
    r"(?:since|after) (?:having (?:a|my|the|our) (?:baby|son|daughter|child|twins)|giving "
    r"birth|the birth)|postpartum|post-partum|the baby weight)\b"
)

# Medicines (and kidney disease, which changes how the body clears them) that a supplement,
# a fast or a diet can interact with: blood thinners with fish oil, blood pressure drugs and
# nitrates with citrulline, insulin and other diabetes drugs with fasting or low carb, MAOIs
# and stimulants with caffeine, thyroid drugs with ashwagandha, some antibiotics with
# magnesium and zinc. Words that are also everyday fitness talk need the medicine around
# them: "insulin spike", "blood pressure", "thyroid", "beetroot nitrate", "my kidneys".
_MEDICATION = re.compile(
    r"\b(?:blood thinners?|anti-?coagulants?|warfarin|coumadin|apixaban|eliquis|"
    r"rivaroxaban|xarelto|dabigatran|clopidogrel|plavix|heparin|"
    r"metformin|gliclazide|glipizide|glimepiride|sulfonylureas?|sglt-?2|\w+gliflozin|"
    r"jardiance|forxiga|farxiga|semaglutide|ozempic|wegovy|rybelsus|tirzepatide|mounjaro|"
    r"zepbound|liraglutide|saxenda|victoza|glp-?1 (?:drugs?|medications?|injections?)|"
    r"(?:on|take|taking|use|using|inject(?:ing)?) insulin|insulin (?:injections?|pumps?|"
    r"pens?|dependent|shots?)|"
    r"ssris?|snris?|antidepressants?|sertraline|zoloft|fluoxetine|prozac|citalopram|"
    r"escitalopram|lexapro|paroxetine|venlafaxine|duloxetine|maois?|phenelzine|"
    r"tranylcypromine|lithium|levothyroxine|thyroxine|synthroid|liothyronine|"
    r"beta ?-?blockers?|ace inhibitors?|diuretics?|water pills?|lisinopril|ramipril|"
    r"enalapril|losartan|amlodipine|bisoprolol|metoprolol|propranolol|atenolol|"
    r"nitroglycerin|gtn spray|isosorbide|sildenafil|viagra|tadalafil|cialis|statins?|"
    r"atorvastatin|simvastatin|rosuvastatin|prednisolone|prednisone|adderall|ritalin|"
    r"methylphenidate|vyvanse|lisdexamfetamine|antibiotics?|bisphosphonates?|alendronate|"
    r"(?:on|take|taking) (?:a |daily |low dose )?aspirin|dialysis|"
    r"(?:blood pressure|diabetes|diabetic|heart|thyroid|adhd|epilepsy|seizure) "
    r"(?:medications?|medicines?|meds|tablets|pills|drugs)|"
    r"(?:i have|i've got|i've|i am|i'm|im|with|my) (?:chronic |stage \w+ )?"
    r"(?:kidney|renal) (?:disease|failure|problems?|issues?)|"
    r"(?:i'?m|i am|im) on (?:a |some )?(?:\w+ )?(?:medications?|medicines?|meds)\b|"
    r"(?:i )?(?:take|taking) (?:\w+ ){0,2}(?:medications?|medicines?|meds)\b)\b"
)


def mentions_pain_or_injury(text: str) -> bool:
    return bool(_PAIN.search(text.lower()))


def mentions_disordered_eating(text: str) -> bool:
    return bool(_DISORDERED_EATING.search(text.lower()))


def needs_safety_answer(text: str) -> bool:
    """Whether `text` should be answered from the safety entries before any other."""
    lowered = text.lower()
    return (
        mentions_pain_or_injury(lowered)
        or bool(_WARNING_SIGNS.search(lowered))
        or mentions_disordered_eating(lowered)
    )


def says_under_18(text: str) -> bool:
    return bool(_UNDER_18.search(text.lower()))


def says_pregnant_or_breastfeeding(text: str) -> bool:
    return bool(_PREGNANT_OR_BREASTFEEDING.search(text.lower()))


def mentions_medication(text: str) -> bool:
    """Whether the speaker names a medicine, or kidney disease, that a supplement, a fast or
    a diet could interact with."""
    return bool(_MEDICATION.search(text.lower()))


def is_minor(age: int | None) -> bool:
    return age is not None and age < ADULT_AGE
