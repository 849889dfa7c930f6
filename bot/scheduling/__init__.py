"""The clock: schedules become deliveries in the database, and deliveries become posts, once."""
