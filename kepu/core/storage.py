from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files; falls back to plain names before collectstatic has run.

    Tests and `runserver` never run collectstatic, and a missing manifest entry must not turn a
    page into a 500 there.
    """

    manifest_strict = False
