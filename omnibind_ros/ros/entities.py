"""Options for subscriptions and publishers that are created and destroyed while spinning.

rclpy (Jazzy) gives every subscription and publisher default QoS-event handlers, which the
executor treats as waitables; destroying one while a MultiThreadedExecutor builds its wait set
raises InvalidHandle in the spin thread and stops the executor for good. Sensor slots come and
go at run time (parameters, discovery, simulated hot-plug), so they are created without event
handlers: an incompatible-QoS publisher then shows as a sensor that never turns active (its
diagnostics say "no message yet") instead of a log line.
"""

from __future__ import annotations

from rclpy.event_handler import PublisherEventCallbacks, SubscriptionEventCallbacks


def without_subscription_events() -> SubscriptionEventCallbacks:
    return SubscriptionEventCallbacks(use_default_callbacks=False)


def without_publisher_events() -> PublisherEventCallbacks:
    return PublisherEventCallbacks(use_default_callbacks=False)
