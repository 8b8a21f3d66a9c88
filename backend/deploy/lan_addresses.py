"""Print this machine's LAN IPv4 addresses, one per line, for `make demo LAN=1`.

Read from the network interfaces (`ip -4 -o addr` on Linux, `ifconfig`
elsewhere), never by sending a packet anywhere. Loopback and link-local
addresses are left out: nobody else in the room can open those.
"""

import ipaddress
import re
import shutil
import subprocess


def interface_addresses() -> list[str]:
    for command in (["ip", "-4", "-o", "addr", "show"], ["ifconfig"]):
        if shutil.which(command[0]):
            output = subprocess.run(command, capture_output=True, text=True, check=False).stdout
            return re.findall(r"\binet (?:addr:)?(\d+\.\d+\.\d+\.\d+)", output)
    return []


def lan_addresses() -> list[str]:
    found = []
    for text in interface_addresses():
        address = ipaddress.ip_address(text)
        if address.is_loopback or address.is_link_local or address.is_unspecified:
            continue
        if text not in found:
            found.append(text)
    return found


if __name__ == "__main__":
    print("\n".join(lan_addresses()))
