// Integration tests start real servers; a single etcd round trip with restore takes seconds.
jest.setTimeout(180_000);
