"""TEI (ParlaMint) transcripts (annotator/io/tei.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_import_common import assert_well_formed, refusal, write

from annotator.io import ImportFailure, read_transcript
from annotator.model import ImportedDocument

TEI = """\
<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0" xml:id="Sample-1" xml:lang="en">
  <teiHeader>
    <fileDesc>
      <titleStmt>
        <title type="main" xml:lang="sl">Slovenski naslov</title>
        <title type="main" xml:lang="en">Commons,
           2022-07-21</title>
      </titleStmt>
    </fileDesc>
    <profileDesc>
      <settingDesc><setting><date when="2022-07-21"/></setting></settingDesc>
      <particDesc>
        <listPerson>
          <person xml:id="HoyleLindsay">
            <persName><surname>Hoyle</surname><forename>Lindsay</forename></persName>
          </person>
          <person xml:id="Mystery"><persName>The Mystery Member</persName></person>
        </listPerson>
      </particDesc>
    </profileDesc>
  </teiHeader>
  <text>
    <body>
      <div type="debateSection">
        <head>Speaker's Statement</head>
        <note type="narrative">The Speaker rose.</note>
        <u xml:id="u1" ana="#chair" who="#HoyleLindsay">
          <seg>Before we come to
             today’s business, <note>aside</note>I want to mark
             a departure.</seg>
          <seg>Penny came in 2015. <vocal><desc>laughter</desc></vocal>Thank you.</seg>
        </u>
        <gap reason="editorial"><desc>SAMPLING</desc></gap>
        <u ana="#regular" who="#RobertBlackman"><seg>What progress?</seg></u>
        <u ana="#regular" who="#Nobody"><seg>  <kinesic><desc>nods</desc></kinesic> </seg></u>
        <u who="#Mystery">Spoken without seg <incident><desc>bell</desc></incident>elements.</u>
        <note>End of debateSection.</note>
      </div>
    </body>
  </text>
</TEI>
"""


def load(tmp_path: Path, content: str, name: str = "sitting.xml") -> list[ImportedDocument]:
    docs = read_transcript(write(tmp_path, name, content))
    for doc in docs:
        assert doc.format == "tei"
        assert_well_formed(doc)
    return docs


def test_tei_utterances_speakers_and_non_speech(tmp_path: Path) -> None:
    [doc] = load(tmp_path, TEI)
    assert doc.title == "Commons, 2022-07-21"  # the English title, whitespace collapsed
    assert [(t.speaker, doc.text[t.start : t.end]) for t in doc.turns] == [
        (
            "Lindsay Hoyle",  # from <listPerson>: forename, then surname
            "Before we come to today’s business, I want to mark a departure.\n"
            "Penny came in 2015. Thank you.",
        ),
        ("RobertBlackman", "What progress?"),  # no <person>: the id as written
        ("The Mystery Member", "Spoken without seg elements."),
    ]
    for absent in ("Statement", "rose", "aside", "laughter", "SAMPLING", "nods", "bell", "End of"):
        assert absent not in doc.text
    assert doc.metadata == {
        "id": "Sample-1",
        "lang": "en",
        "date": "2022-07-21",
        "turn_ana": ["#chair", "#regular", None],
        # The <gap> between the first two utterances starts a section (the <head> before
        # the first one does not: nothing came before it).
        "section_breaks": [1],
    }


def test_tei_corpus_yields_one_document_per_tei(tmp_path: Path) -> None:
    tei = '<TEI xmlns="http://www.tei-c.org/ns/1.0"><text><body>{}</body></text></TEI>'
    one = tei.format('<u who="#A"><seg>One.</seg></u>')
    two = tei.format('<u who="#B"><seg>Two.</seg></u>')
    corpus = f'<teiCorpus xmlns="http://www.tei-c.org/ns/1.0">{one}{two}</teiCorpus>'
    docs = load(tmp_path, corpus, "corpus.tei")
    assert [(d.title, d.text, d.turns[0].speaker) for d in docs] == [
        ("corpus #1", "One.", "A"),
        ("corpus #2", "Two.", "B"),
    ]


def test_tei_without_namespace_and_title_falls_back_to_stem(tmp_path: Path) -> None:
    [doc] = load(tmp_path, "<TEI><u><seg>Hello.</seg></u></TEI>", "bare.xml")
    assert (doc.title, doc.text, doc.turns[0].speaker) == ("bare", "Hello.", None)


def test_xml_that_is_not_well_formed_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.xml", "<TEI>\n  <u><seg>Hi</u>\n</TEI>\n")
    with pytest.raises(ImportFailure) as info:
        read_transcript(path)
    assert str(info.value).startswith(
        f"{path}: line 2, column 15: the XML is not well-formed (mismatched tag)"
    )


def test_entity_declarations_are_refused(tmp_path: Path) -> None:
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE TEI [\n <!ENTITY a "aaaaaaaaaa">\n'
        ' <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">\n]>\n<TEI><u><seg>&b;</seg></u></TEI>\n'
    )
    path = write(tmp_path, "bomb.xml", bomb)
    with pytest.raises(ImportFailure, match=r"bomb\.xml: line 2: the XML has a <!DOCTYPE>"):
        read_transcript(path)


def test_other_xml_root_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "feed.xml", "<rss><channel/></rss>")
    with pytest.raises(ImportFailure, match="root element is <rss>, not <TEI>"):
        read_transcript(path)


def test_tei_without_utterances_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path, "empty.xml", "<TEI><text><body><note>Nothing said.</note></body></text></TEI>"
    )
    with pytest.raises(ImportFailure, match="<TEI>: no <u> utterance with any text"):
        read_transcript(path)


DOCTYPE = "the XML has a <!DOCTYPE> declaration, refused for safety"


@pytest.mark.parametrize(
    "prolog",
    [
        # An internal subset after a quoted ">" (which a hand-written check once missed).
        '<!DOCTYPE TEI SYSTEM "a>b" [<!ATTLIST u who CDATA "#Injected">]>',
        "<!DOCTYPE TEI [<!ENTITY x 'expanded'>]>",
        "<!DOCTYPE\n  TEI\n  [\n  <!ENTITY % p 'x'>\n  ]\n>",
        '<!DOCTYPE TEI [<!ENTITY ext SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE TEI PUBLIC "-//TEI//DTD" "http://example.org/tei.dtd">',
        "<!DOCTYPE TEI>",
    ],
)
def test_any_doctype_is_refused_with_one_line(tmp_path: Path, prolog: str) -> None:
    body = '<TEI><text><u who="#A">Hello &ext; &x;</u></text></TEI>'
    path = write(tmp_path, "doc.xml", f'<?xml version="1.0"?>\n{prolog}\n{body}\n')
    reason = refusal(path)
    assert reason.startswith("line ") and DOCTYPE in reason


def test_an_external_entity_without_a_doctype_is_not_read(tmp_path: Path) -> None:
    path = write(tmp_path, "doc.xml", "<TEI><u>Hello &ext;</u></TEI>")
    assert "undefined entity" in refusal(path)


def test_deep_nesting_inside_an_utterance_is_read(tmp_path: Path) -> None:
    depth = 5000  # far beyond Python's recursion limit
    path = write(tmp_path, "deep.xml", f"<TEI><u>a{'<s>' * depth}b{'</s>' * depth} c</u></TEI>")
    [doc] = read_transcript(path)
    assert doc.text == "ab c"
