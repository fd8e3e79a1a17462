"""The real local stack: Apache Kafka (KRaft, from Maven jars), a MongoDB-compatible store,
an SMTP sink and the five services, as processes on free loopback ports (no Docker).

Entry points: `devstack run | infra | fetch` (cli), `LocalStack` (stack), and the parts it is
built from: kafka, store, smtp_sink, services, processes, ports, paths.
"""
