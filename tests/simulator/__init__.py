"""A Neo4j cluster simulator speaking real Bolt and GDS Arrow Flight on loopback, for tests."""
