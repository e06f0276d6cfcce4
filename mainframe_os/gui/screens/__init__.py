"""The launcher's screens: each a small module owning one part of the window."""
