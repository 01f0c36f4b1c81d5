"""Run every benchmark in turn."""

from benchmarks import classifier, lexicon

if __name__ == "__main__":
    lexicon.main()
    classifier.main()
