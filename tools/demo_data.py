"""Generate the demo's movie graph: ``python tools/demo_data.py OUT`` (``make demo`` runs it).

Writes CSV files in the layout ``playbooks/demo.yml`` reads (``OUT/{movies,persons,acted_in,directed}/part-N.csv``):
part 1 is release 1; release 2 reads every part, so it adds the part-2 rows (new movies, their people and credits).
The same seed gives the same files.  Prints, and writes to ``OUT/counts.json``, the counts each release holds: the
demo's validation queries expect exactly those (``demo_counts``).
"""

import argparse
import csv
import json
import os
import random

FIRST = ("Ada Amir Ana Ben Carla Chen Dara Elif Emil Farah Hana Ivan Jun Kofi Lena Luca Maya Nia Omar Pia Rafael "
         "Sara Tomas Uma Yara Zoe").split()
LAST = ("Abe Costa Dubois Eriksen Fischer Garcia Haddad Ito Jensen Kowalski Larsen Moreau Novak Okafor Petrov "
        "Quinn Rossi Silva Tanaka Umar Varga Weber Yilmaz Zhou").split()
ADJECTIVES = ("Silent Hidden Last Broken Golden Distant Electric Quiet Burning Midnight Northern Paper Glass "
              "Wild Crimson Hollow").split()
NOUNS = ("Voyage Orchard Harbor Signal Empire Garden Frontier Mirror Station Winter Horizon River Archive "
         "Engine Lantern Circuit").split()
ROLES = ("Lead Villain Sidekick Detective Mentor Narrator Rival Stranger").split()
# (movies, persons) per part: release 1 is part 1, release 2 adds part 2.
PARTS = ((300, 700), (100, 200))
CAST = (3, 6)  # actors per movie


def generate(out, seed=2026):
    rng = random.Random(seed)
    movies, persons = [], []
    counts = {}
    for part, (n_movies, n_persons) in enumerate(PARTS, start=1):
        new_movies = [(len(movies) + i + 1, "%s %s" % (rng.choice(ADJECTIVES), rng.choice(NOUNS)),
                       rng.randint(1970, 2025)) for i in range(n_movies)]
        new_persons = [(100000 + len(persons) + i + 1, "%s %s" % (rng.choice(FIRST), rng.choice(LAST)),
                        rng.randint(1940, 2004)) for i in range(n_persons)]
        movies += new_movies
        persons += new_persons
        acted, directed = [], []
        for movie_id, _title, _year in new_movies:
            # New movies cast mostly new people, and some from earlier parts: the releases share a graph.
            for person in rng.sample(new_persons, rng.randint(*CAST)):
                acted.append((person[0], movie_id, rng.choice(ROLES)))
            directed.append((rng.choice(persons)[0], movie_id))
        write(out, "movies", part, ("movie_id", "title", "released"), new_movies)
        write(out, "persons", part, ("person_id", "name", "born"), new_persons)
        write(out, "acted_in", part, ("person_id", "movie_id", "role"), acted)
        write(out, "directed", part, ("person_id", "movie_id"), directed)
        previous = counts.get("release_%d" % (part - 1), {"movies": 0, "persons": 0, "acted_in": 0, "directed": 0})
        counts["release_%d" % part] = {"movies": previous["movies"] + len(new_movies),
                                       "persons": previous["persons"] + len(new_persons),
                                       "acted_in": previous["acted_in"] + len(acted),
                                       "directed": previous["directed"] + len(directed)}
    with open(os.path.join(out, "counts.json"), "w", encoding="utf-8") as handle:
        json.dump(counts, handle, indent=2)
    return counts


def write(out, kind, part, header, rows):
    folder = os.path.join(out, kind)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "part-%d.csv" % part), "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    print(json.dumps(generate(args.out, args.seed)))


if __name__ == "__main__":
    main()
