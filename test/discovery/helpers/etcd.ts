/** The tests start etcd the way `npm run example:discovery` does (see examples/echo/src/local-etcd.ts). */
export { EtcdCluster, EtcdMember, freePorts } from '../../../examples/echo/src/local-etcd';
