"""What every service runs on: Kafka plumbing, health probes and the process entrypoint.

Not a service: services share it so that each one publishes, dead-letters and reports health the
same way. It knows no service.
"""
