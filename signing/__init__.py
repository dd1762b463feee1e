"""Digital signing of XML documents ("ký số"): keys in PKCS#12 files or on PKCS#11 tokens,
enveloped XAdES-BES signatures (signxml), a trust store of CA certificates and CRLs,
verification with one coded problem per failure, batch signing, and a test CA.

Entry points: :func:`signing.xmlsig.sign_document`,
:func:`signing.xmlsig.verify_document`, :class:`signing.trust.TrustStore`,
:func:`signing.credentials.add_pkcs12_credential`,
:func:`signing.tasks.start_batch`, :func:`signing.testca.make_test_ca`.
"""
