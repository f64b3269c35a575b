"""Seeded synthetic transcripts for benchmarks and performance tests.

``generate_transcript(1_000_000, seed)`` gives a parliamentary-day-sized document (~10,000
turns, ~7 MB) shaped like the real transcripts in ``shared/data/real``: many short questions
and answers, some very long statements (~8,000 characters, one of them a single paragraph),
abbreviations ("Mr.", "U.S."), occasional curly quotes, accents, and a few CJK and emoji
paragraphs that force the cell-aware wrapping path. Same ``(words, seed)``, same output.
"""

from __future__ import annotations

import math
import random

from annotator.model import Turn, normalise_text

__all__ = ["generate_transcript"]

SPEAKERS = (
    "Q",
    "THE PRESIDENT",
    "MS. JEAN-PIERRE",
    "MR. KIRBY",
    "SENATOR WARREN",
    "MR. SPEAKER",
    "The SPEAKER pro tempore",
    "Mr. LANTOS",
    "Ms. ROS-LEHTINEN",
    "SENIOR ADMINISTRATION OFFICIAL",
)

_WORDS = (
    "the of and to a in that is for it we on this with as be are have not they our "
    "at by will from was but you all what there has about more people can would so "
    "been which their one if had an government president congress committee bill "
    "administration question policy economy security border budget vote members house "
    "senate amendment foreign relations authorization support country states american "
    "families workers inflation jobs military allies ukraine china europe agreement "
    "think know going really important said today week look make sure want believe "
    "continue process report secretary officials negotiations funding legislation "
    "colleagues gentleman gentlewoman chairman ranking member time yield thank "
    "well-known long-term don't we're it's that's can't there's"
)
_VOCABULARY = tuple(_WORDS.split())

_PHRASES = (
    "Mr. Smith",
    "Mrs. Clark",
    "Dr. Fauci",
    "the U.S. Congress",
    "U.S. forces",
    "e.g. the tariffs",
    "Washington, D.C.",
    "St. Louis",
    "J. Edgar Hoover",
)
_ACCENTED = ("café", "résumé", "naïve", "Zürich", "São Paulo", "Macron’s régime", "déjà vu")
_CJK = (
    "中华人民共和国外交部发言人表示，双方将继续就贸易问题保持沟通。",
    "日本の首相は記者会見で、同盟の重要性を強調しました。",
    "대한민국 정부는 협상이 계속될 것이라고 밝혔습니다.",
)
_EMOJI = ("👍", "🇺🇸", "☀️", "🎉", "❤️", "👨‍👩‍👧")


def _sentence(rng: random.Random, words: int) -> str:
    out = [rng.choice(_VOCABULARY) for _ in range(words)]
    roll = rng.random()
    if roll < 0.10:
        out.insert(rng.randrange(len(out) + 1), rng.choice(_PHRASES))
    elif roll < 0.13:
        out.insert(rng.randrange(len(out) + 1), rng.choice(_ACCENTED))
    if words > 6 and rng.random() < 0.3:
        out[rng.randrange(2, words - 1)] += ","
    text = " ".join(out)
    text = text[0].upper() + text[1:]
    roll = rng.random()
    if roll < 0.04:
        return f"“{text}.”"
    if roll < 0.14:
        return text + "?"
    if roll < 0.16:
        return text + " --"
    return text + "."


def _paragraph(rng: random.Random, words: int) -> tuple[str, int]:
    """A paragraph of about ``words`` words; returns it and the words actually used."""
    sentences, used = [], 0
    while used < words:
        n = max(1, min(words - used, int(rng.gauss(17, 7))))
        sentences.append(_sentence(rng, n))
        used += n
    if rng.random() < 0.003:
        sentences.insert(rng.randrange(len(sentences) + 1), rng.choice(_CJK))
    if rng.random() < 0.003:
        sentences.append(" ".join(rng.choice(_EMOJI) for _ in range(rng.randint(1, 4))))
    return " ".join(sentences), used


def _turn_words(rng: random.Random) -> int:
    """Mostly short exchanges; 1 % very long statements of ~8,000 characters."""
    if rng.random() < 0.01:
        return rng.randint(1100, 1220)
    return max(3, min(700, int(rng.lognormvariate(math.log(54), 1.05))))


def generate_transcript(words: int, seed: int) -> tuple[str, list[Turn]]:
    """A synthetic transcript of about ``words`` words: the text (turn contents joined with
    ``\\n\\n``, paragraphs with ``\\n``) and its turns with speakers and timestamps."""
    rng = random.Random(seed)
    contents: list[str] = []
    speakers: list[str] = []
    used = 0
    while used < words:
        n = min(_turn_words(rng), max(words - used, 1))
        if n > 1000 and rng.random() < 0.3:
            paragraphs = [_paragraph(rng, n)]  # one huge paragraph: the wrap worst case
        else:
            paragraphs = []
            left = n
            while left > 0:
                size = min(left, max(5, int(rng.gauss(90, 40))))
                paragraphs.append(_paragraph(rng, size))
                left -= size
        contents.append("\n".join(p for p, _ in paragraphs))
        used += sum(u for _, u in paragraphs)
        speakers.append("Q" if len(speakers) % 2 == 0 else rng.choice(SPEAKERS[1:]))
    contents = [normalise_text(c) for c in contents]
    turns: list[Turn] = []
    offset, clock = 0, 0.0
    for index, (content, speaker) in enumerate(zip(contents, speakers, strict=True)):
        duration = len(content) / 15.0  # ~15 characters a second of speech
        turns.append(
            Turn(
                index,
                offset,
                offset + len(content),
                speaker,
                round(clock, 2),
                round(clock + duration, 2),
            )
        )
        offset += len(content) + 2
        clock += duration + rng.uniform(0.2, 2.0)
    return "\n\n".join(contents), turns
