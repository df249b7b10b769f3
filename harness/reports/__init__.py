"""Reports: the one result model and the renderers that write it.

* :mod:`harness.reports.model` — :class:`~harness.reports.model.Report`, the
  versioned model every command's result becomes (schema
  ``report.schema.json``, documented in ``docs/report.md``);
* :mod:`harness.reports.build` — ``run``, ``okta run`` and ``fuzz`` results
  into that model, readiness included;
* :mod:`harness.reports.redact` — the last pass that keeps secrets out;
* one renderer a module: JSON, HTML, Markdown, JUnit XML.
"""
