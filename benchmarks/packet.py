"""A visit's packet against its handouts made one by one, warm, in one process.

    python benchmarks/packet.py --handouts 12 --reps 3

Run by `run.py` in a fresh process with this checkout first on the path. With one `Maker` (as a
front-desk worker has), after a warm-up, it alternates the two ways of printing the same visit:
one packet of the first N handouts of the library (English, standard print, an appointment box
filled in), laid out one by one and written as one tagged PDF; and each of those handouts made
alone, one PDF each. Prints one JSON object: the median CPU seconds of each and their ratio.
"""

import argparse
import json
import statistics
import time

from handouts.library import library_root
from handouts.maker import Maker
from handouts.project import open_project
from handouts.usecases import make_packet

VISIT = {"patient": "Ana Ruiz", "date": "2099-12-08", "arrive": "06:15", "physician": "Dr. Lee"}


def cpu_seconds(action) -> float:
    start = time.process_time()
    action()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--handouts", type=int, default=12)
    parser.add_argument("--reps", type=int, default=3)
    options = parser.parse_args()
    maker = Maker(open_project(library_root()))
    slugs = list(maker.project.catalog())[: options.handouts]

    def packet() -> None:
        make_packet(maker, slugs, "en", visit_fields=VISIT)

    def one_by_one() -> None:
        for slug in slugs:
            make_packet(maker, [slug], "en", visit_fields=VISIT)

    packet()  # warm-up: templates, fonts, stylesheets, pictures
    together, apart = [], []
    for _ in range(options.reps):
        together.append(cpu_seconds(packet))
        apart.append(cpu_seconds(one_by_one))
    packet_s, parts_s = statistics.median(together), statistics.median(apart)
    print(json.dumps({"handouts": len(slugs), "packet_s": packet_s, "parts_s": parts_s, "ratio": packet_s / parts_s}))


if __name__ == "__main__":
    main()
