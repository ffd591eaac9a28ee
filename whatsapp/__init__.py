"""The WhatsApp Cloud API wire: webhook signatures and parsing, the Graph API client."""
