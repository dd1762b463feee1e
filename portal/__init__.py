"""The portal: each role's home page on the admin index, and the 403/404 pages."""
