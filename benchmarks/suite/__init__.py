"""What the benchmark cases share: the machine and versions of a result (``host``), timing
variants interleaved (``timing``), the shared data (``data``) and the node under test (``ros_node``)."""
