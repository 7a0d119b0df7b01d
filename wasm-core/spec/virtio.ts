// virtio constants (virtio 1.1, OASIS csprd01), named as the specification
// names them and declared once for the core's virtio-mmio transport, the
// host's virtqueues and device back ends, and the tests. Plain integer
// constants; 64-bit feature bits are given by bit number.

// ---- virtio-mmio registers (4.2.2, version 2 layout), byte offsets ----
export const VIRTIO_MMIO_MAGIC_VALUE = 0x000;
export const VIRTIO_MMIO_VERSION = 0x004;
export const VIRTIO_MMIO_DEVICE_ID = 0x008;
export const VIRTIO_MMIO_VENDOR_ID = 0x00c;
export const VIRTIO_MMIO_DEVICE_FEATURES = 0x010;
export const VIRTIO_MMIO_DEVICE_FEATURES_SEL = 0x014;
export const VIRTIO_MMIO_DRIVER_FEATURES = 0x020;
export const VIRTIO_MMIO_DRIVER_FEATURES_SEL = 0x024;
export const VIRTIO_MMIO_QUEUE_SEL = 0x030;
export const VIRTIO_MMIO_QUEUE_NUM_MAX = 0x034;
export const VIRTIO_MMIO_QUEUE_NUM = 0x038;
export const VIRTIO_MMIO_QUEUE_READY = 0x044;
export const VIRTIO_MMIO_QUEUE_NOTIFY = 0x050;
export const VIRTIO_MMIO_INTERRUPT_STATUS = 0x060;
export const VIRTIO_MMIO_INTERRUPT_ACK = 0x064;
export const VIRTIO_MMIO_STATUS = 0x070;
export const VIRTIO_MMIO_QUEUE_DESC_LOW = 0x080;
export const VIRTIO_MMIO_QUEUE_DESC_HIGH = 0x084;
export const VIRTIO_MMIO_QUEUE_DRIVER_LOW = 0x090;
export const VIRTIO_MMIO_QUEUE_DRIVER_HIGH = 0x094;
export const VIRTIO_MMIO_QUEUE_DEVICE_LOW = 0x0a0;
export const VIRTIO_MMIO_QUEUE_DEVICE_HIGH = 0x0a4;
export const VIRTIO_MMIO_CONFIG_GENERATION = 0x0fc;
export const VIRTIO_MMIO_CONFIG = 0x100;
export const VIRTIO_MMIO_MAGIC = 0x74726976; // "virt"
export const VIRTIO_MMIO_VERSION_2 = 2;

// ---- InterruptStatus bits (4.2.2) ----
export const VIRTIO_MMIO_INT_VRING = 1;
export const VIRTIO_MMIO_INT_CONFIG = 2;

// ---- device status bits (2.1) ----
export const VIRTIO_STATUS_ACKNOWLEDGE = 1;
export const VIRTIO_STATUS_DRIVER = 2;
export const VIRTIO_STATUS_DRIVER_OK = 4;
export const VIRTIO_STATUS_FEATURES_OK = 8;
export const VIRTIO_STATUS_DEVICE_NEEDS_RESET = 64;
export const VIRTIO_STATUS_FAILED = 128;

// ---- feature bits (6, and per device in 5.x), as bit numbers ----
export const VIRTIO_F_VERSION_1 = 32;
export const VIRTIO_F_RING_INDIRECT_DESC = 28;

// ---- split virtqueue descriptors (2.6.5) ----
export const VIRTQ_DESC_F_NEXT = 1;
export const VIRTQ_DESC_F_WRITE = 2;
export const VIRTQ_DESC_F_INDIRECT = 4;
export const VIRTQ_DESC_SIZE = 16;

// ---- device ids (5) ----
export const VIRTIO_ID_NET = 1;
export const VIRTIO_ID_BLOCK = 2;
export const VIRTIO_ID_CONSOLE = 3;
export const VIRTIO_ID_RNG = 4;
export const VIRTIO_ID_9P = 9;

// ---- block device (5.2) ----
export const VIRTIO_BLK_F_RO = 5;
export const VIRTIO_BLK_F_FLUSH = 9;
export const VIRTIO_BLK_T_IN = 0;
export const VIRTIO_BLK_T_OUT = 1;
export const VIRTIO_BLK_T_FLUSH = 4;
export const VIRTIO_BLK_T_GET_ID = 8;
export const VIRTIO_BLK_S_OK = 0;
export const VIRTIO_BLK_S_IOERR = 1;
export const VIRTIO_BLK_S_UNSUPP = 2;
export const VIRTIO_BLK_SECTOR_SIZE = 512;
export const VIRTIO_BLK_ID_BYTES = 20;

// ---- network device (5.1) ----
// Feature bits (5.1.3).
export const VIRTIO_NET_F_CSUM = 0;            // the device takes packets with a partial checksum
export const VIRTIO_NET_F_GUEST_CSUM = 1;      // the driver takes packets with a partial checksum
export const VIRTIO_NET_F_CTRL_GUEST_OFFLOADS = 2;
export const VIRTIO_NET_F_MTU = 3;             // config.mtu is valid
export const VIRTIO_NET_F_MAC = 5;             // config.mac is valid
export const VIRTIO_NET_F_GUEST_TSO4 = 7;      // the driver takes TCPv4 segments larger than the MTU
export const VIRTIO_NET_F_GUEST_TSO6 = 8;
export const VIRTIO_NET_F_GUEST_ECN = 9;
export const VIRTIO_NET_F_GUEST_UFO = 10;
export const VIRTIO_NET_F_HOST_TSO4 = 11;      // the device takes TCPv4 segments larger than the MTU
export const VIRTIO_NET_F_HOST_TSO6 = 12;
export const VIRTIO_NET_F_HOST_ECN = 13;
export const VIRTIO_NET_F_HOST_UFO = 14;
export const VIRTIO_NET_F_MRG_RXBUF = 15;      // a received packet may span several buffers
export const VIRTIO_NET_F_STATUS = 16;         // config.status is valid
export const VIRTIO_NET_F_CTRL_VQ = 17;
// Configuration layout (5.1.4, struct virtio_net_config), byte offsets.
export const VIRTIO_NET_CFG_MAC = 0;           // u8[6]
export const VIRTIO_NET_CFG_STATUS = 6;        // le16
export const VIRTIO_NET_CFG_MAX_VQ_PAIRS = 8;  // le16
export const VIRTIO_NET_CFG_MTU = 10;          // le16
export const VIRTIO_NET_CFG_SIZE = 12;         // what we fill (speed and duplex left out)
export const VIRTIO_NET_S_LINK_UP = 1;         // config.status bits
export const VIRTIO_NET_S_ANNOUNCE = 2;
// Queues (5.1.2): receiveq1 and transmitq1 (no multiqueue, no control queue).
export const VIRTIO_NET_RXQ = 0;
export const VIRTIO_NET_TXQ = 1;
// The header before every packet (5.1.6, struct virtio_net_hdr), byte
// offsets. With VIRTIO_F_VERSION_1 it always has num_buffers: 12 bytes.
export const VIRTIO_NET_HDR_FLAGS = 0;         // u8
export const VIRTIO_NET_HDR_GSO_TYPE = 1;      // u8
export const VIRTIO_NET_HDR_HDR_LEN = 2;       // le16: bytes of headers (Ethernet + IP + TCP) of a GSO packet
export const VIRTIO_NET_HDR_GSO_SIZE = 4;      // le16: payload bytes per segment
export const VIRTIO_NET_HDR_CSUM_START = 6;    // le16
export const VIRTIO_NET_HDR_CSUM_OFFSET = 8;   // le16
export const VIRTIO_NET_HDR_NUM_BUFFERS = 10;  // le16
export const VIRTIO_NET_HDR_SIZE = 12;
export const VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;  // flags
export const VIRTIO_NET_HDR_F_DATA_VALID = 2;
export const VIRTIO_NET_HDR_GSO_NONE = 0;      // gso_type
export const VIRTIO_NET_HDR_GSO_TCPV4 = 1;
export const VIRTIO_NET_HDR_GSO_UDP = 3;
export const VIRTIO_NET_HDR_GSO_TCPV6 = 4;
export const VIRTIO_NET_HDR_GSO_ECN = 0x80;

// ---- console device (5.3), without MULTIPORT: port 0 only ----
export const VIRTIO_CONSOLE_F_SIZE = 0; // cols, rows in the configuration space
export const VIRTIO_CONSOLE_RECEIVEQ = 0; // host -> guest
export const VIRTIO_CONSOLE_TRANSMITQ = 1; // guest -> host

// ---- 9P transport (device id 9; the spec lists the id but defines the
// device nowhere: Linux's include/uapi/linux/virtio_9p.h and QEMU's
// hw/9pfs/virtio-9p-device.c are the definition) ----
export const VIRTIO_9P_F_MOUNT_TAG = 0; // VIRTIO_9P_MOUNT_TAG: the mount tag is in the configuration space
export const VIRTIO_9P_REQUESTQ = 0; // the one queue: T-message out, R-message back
// struct virtio_9p_config: le16 tag_len, then tag_len bytes of tag (no NUL).
export const VIRTIO_9P_CONFIG_TAG = 2;
