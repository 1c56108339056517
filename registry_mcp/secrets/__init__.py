"""What is secret, how it is hidden in what is shown, and how a masked value is restored."""
