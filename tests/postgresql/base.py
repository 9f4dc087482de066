"""PostgreSQL for the test runs: Django's backend, but a transactional test's flush empties the tables with DELETE
instead of TRUNCATE. TRUNCATE gives every table and index a new file: about 1-2 s for this project's tables, after
each of the integration and transactional tests, where DELETE of their few rows takes some milliseconds. The foreign
keys are deferred to the flush's commit, so the order of the tables does not matter."""
from django.db.backends.postgresql import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade:  # restarting the ids (RESTART IDENTITY), emptying the tables referring to these
            return super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return [f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};" for table in tables]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
