"""Run every benchmark in turn."""

from benchmarks import lexicon

if __name__ == "__main__":
    lexicon.main()
