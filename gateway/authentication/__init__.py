"""Who really sent a mail: inbound DKIM/SPF/DMARC verdicts, outbound DKIM signing."""
