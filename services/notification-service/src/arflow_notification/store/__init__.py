"""notification-service persistence: tables and the queries over them."""

from arflow_notification.store.tables import (
    CustomerCopy,
    CustomTemplate,
    DeliveryAttempt,
    LetterDocument,
    Notification,
    NotificationTable,
)

__all__ = ["CustomTemplate", "CustomerCopy", "DeliveryAttempt", "LetterDocument", "Notification",
           "NotificationTable"]
