"""Run every benchmark in turn."""

from benchmarks import bundles, classifier, crawl, index, lexicon, review_app

if __name__ == "__main__":
    lexicon.main()
    classifier.main()
    index.main()
    crawl.main()
    bundles.main()
    review_app.main()
