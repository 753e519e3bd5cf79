from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files; plain names where collectstatic has not run.

    Tests and `runserver` never run collectstatic, and a file missing from the manifest must not
    turn a page into a 500 there (whitenoise serves it from the finders instead).
    """

    manifest_strict = False

    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError:
            return name
