"""A classic accounts/products/inventory/reviews federation (plus pricing), served in-process.

Between them the five subgraphs use every directive the planner must honour: compound and
multiple keys, ``@shareable`` (``Vendor``, ``catalogVersion``), ``@external`` + ``@requires``
(``Book.shippingEstimate``), ``@provides`` (``Review.author``), ``@inaccessible``
(``Book.weight``, ``Furniture.sku``, ``User.birthYear``), ``@override`` (``Book.inStock``),
an entity interface (``Product``, extended by pricing's ``@interfaceObject``) and a union
(``Reviewable``) whose members live in other subgraphs.

Smaller sets, each a few types (``fixtures.SCHEMAS``), cover one planning problem apiece:
media + ratings (an ``@interfaceObject`` returning objects, an inaccessible enum value),
media + notes (an interface field only its implementations' entities resolve elsewhere),
media + titles (``@override`` on one implementation of an interface field), media + codes
(sibling fragments asking a field whose type differs per subgraph),
shelf + catalogue + loans (a key chain, a nested composite key, a keyless value type),
parcels + customs + delivery (``@requires`` chains, in a third subgraph, with arguments) and
sky + wind + rain (one shared root field on a keyless type split over three subgraphs).
"""
