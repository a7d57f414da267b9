-- One database per service: services share no tables.
CREATE DATABASE arflow_invoice;
CREATE DATABASE arflow_credit;
CREATE DATABASE arflow_dunning;
CREATE DATABASE arflow_notification;
