"""The way out: fan-out into the outbox, rendering, MIME, and the delivery worker with its transports."""
