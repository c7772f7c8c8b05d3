"""Front-ends of kgqp: the ``kgqp`` CLI of every package (one error handler, one exit-code
policy), the HTTP service, the quickstart, the batch engine, the spaCy component and the
notebook helpers. They sit on top of the library (:mod:`kg`, :mod:`fusion`,
:mod:`parser.pipeline`); nothing in the library imports them."""
