"""Run every benchmark in turn."""

from benchmarks import bundles, classifier, crawl, index, lexicon

if __name__ == "__main__":
    lexicon.main()
    classifier.main()
    index.main()
    crawl.main()
    bundles.main()
