"""The realtime app: pushes frames to clients over WebSockets and Server-Sent Events.

See docs/realtime.md. Other code publishes through the platform's broker
(``platform.get(Broker).publish(topic, event, data)``); this app delivers.
"""
