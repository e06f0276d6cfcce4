"""Ways into the node: in-process (`Node.call`), the local socket, and (GUI) the app bridge."""
