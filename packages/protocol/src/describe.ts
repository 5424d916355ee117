// One description of a refused value for every package: @thriftpoll/buffer's describeValue.
export { describeValue as describe } from '@thriftpoll/buffer';
