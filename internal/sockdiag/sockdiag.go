// Package sockdiag lists TCP sockets of the caller's network namespace through netlink
// sock_diag (what ss uses), filtered by local port in the kernel. Reading /proc/net/tcp
// instead makes the kernel format every socket of the namespace as text: with a few
// thousand sockets (TIME_WAIT ones from a load test are plenty) that costs tens of
// milliseconds each time.
package sockdiag

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// Socket is the part of a TCP socket the exporter uses.
type Socket struct {
	Family    uint8 // AF_INET or AF_INET6
	LocalPort uint16
	State     uint8  // the kernel's TCP state number, as in /proc/net/tcp
	Inode     uint64 // 0 for sockets no file refers to, such as TIME_WAIT ones
}

// Netlink sock_diag wire format (linux/inet_diag.h, linux/netlink.h).
const (
	nlmsgHeaderLen         = 16
	inetDiagReqLen         = 56 // struct inet_diag_req_v2
	inetDiagMsgLen         = 72 // struct inet_diag_msg
	inetDiagMsgInodeOffset = 68
	allTCPStates           = 0xffffffff
	diagRecvBufSize        = 64 << 10
)

// State masks for TCP: every state, or listening sockets only. Asking for listeners only
// spares the kernel its walk of the connection hash table, which on a machine with much
// memory has hundreds of thousands of buckets to visit even when they are empty.
const (
	AllStates  uint32 = 0xffffffff
	ListenOnly uint32 = 1 << 10 // 1 << TCP_LISTEN
)

// Both is the pair of address families to dump.
var Both = []uint8{unix.AF_INET, unix.AF_INET6}

// TCP lists the IPv4 and IPv6 TCP sockets in the states of the mask whose local port is one of ports.
func TCP(ports []int, states uint32) ([]Socket, error) { return TCPFamilies(ports, states, Both) }

// TCPFamilies is TCP for the given address families only: each family costs the kernel a
// walk of the connection hash table, and a connection always has its listener's family
// (an IPv6 listener's IPv4 clients arrive as v4-mapped IPv6 sockets).
func TCPFamilies(ports []int, states uint32, families []uint8) ([]Socket, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return nil, fmt.Errorf("sock_diag socket: %w", err)
	}
	defer unix.Close(fd)
	var out []Socket
	buf := make([]byte, diagRecvBufSize)
	for seq, family := range families {
		if err := unix.Sendto(fd, diagRequest(family, uint32(seq+1), ports, states), 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
			return nil, fmt.Errorf("sock_diag request: %w", err)
		}
		if out, err = readDiagDump(fd, buf, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func diagRequest(family uint8, seq uint32, ports []int, states uint32) []byte {
	bc := portFilter(ports)
	attrLen := nlattrHeaderLen + len(bc)
	req := make([]byte, nlmsgHeaderLen+inetDiagReqLen+attrLen)
	ne := binary.NativeEndian
	ne.PutUint32(req[0:], uint32(len(req)))
	ne.PutUint16(req[4:], unix.SOCK_DIAG_BY_FAMILY)
	ne.PutUint16(req[6:], unix.NLM_F_REQUEST|unix.NLM_F_DUMP)
	ne.PutUint32(req[8:], seq)
	req[16] = family
	req[17] = unix.IPPROTO_TCP
	ne.PutUint32(req[20:], states)
	attr := req[nlmsgHeaderLen+inetDiagReqLen:]
	ne.PutUint16(attr[0:], uint16(attrLen))
	ne.PutUint16(attr[2:], inetDiagReqBytecode)
	copy(attr[nlattrHeaderLen:], bc)
	return req
}

// inet_diag filter bytecode (linux/inet_diag.h): each op is {code u8, yes u8, no u16}; a
// port comparison carries its port in the `no` field of a second op. A socket is accepted
// when a jump lands exactly on the program's end and rejected when one lands 4 bytes past.
// The kernel audits the program by following `yes` jumps only, so every `yes` steps to the
// next op and every `no` target must be an op on that path.
const (
	nlattrHeaderLen     = 4
	inetDiagReqBytecode = 1 // INET_DIAG_REQ_BYTECODE
	bcJump              = 1 // INET_DIAG_BC_JMP: always takes `no`
	bcSourceGE          = 2 // INET_DIAG_BC_S_GE
	bcSourceLE          = 3 // INET_DIAG_BC_S_LE
	bcOpLen             = 4
	bcPortCompareLen    = 2 * bcOpLen // the comparison op and the op that holds the port
	bcPerPortLen        = 2*bcPortCompareLen + bcOpLen
)

// portFilter accepts sockets whose local port is any of ports. Each port's block is
// "sport >= p, sport <= p, jump to accept"; a failed comparison goes to the next block,
// or past the end (reject) after the last one.
func portFilter(ports []int) []byte {
	total := bcPerPortLen * len(ports)
	bc := make([]byte, total)
	ne := binary.NativeEndian
	op := func(at int, code byte, yes int, no int) {
		bc[at] = code
		bc[at+1] = byte(yes)
		ne.PutUint16(bc[at+2:], uint16(no))
	}
	for i, p := range ports {
		block := i * bcPerPortLen
		miss := block + bcPerPortLen // where a failed comparison goes
		if i == len(ports)-1 {
			miss = total + 4
		}
		ge, le, jmp := block, block+bcPortCompareLen, block+2*bcPortCompareLen
		op(ge, bcSourceGE, bcPortCompareLen, miss-ge)
		ne.PutUint16(bc[ge+6:], uint16(p))
		op(le, bcSourceLE, bcPortCompareLen, miss-le)
		ne.PutUint16(bc[le+6:], uint16(p))
		op(jmp, bcJump, bcOpLen, total-jmp)
	}
	return bc
}

// readDiagDump reads one dump's replies until NLMSG_DONE.
func readDiagDump(fd int, buf []byte, out []Socket) ([]Socket, error) {
	ne := binary.NativeEndian
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			return nil, fmt.Errorf("sock_diag receive: %w", err)
		}
		for off := 0; off+nlmsgHeaderLen <= n; {
			length := int(ne.Uint32(buf[off:]))
			typ := ne.Uint16(buf[off+4:])
			if length < nlmsgHeaderLen || off+length > n {
				return nil, fmt.Errorf("sock_diag: malformed message of %d bytes", length)
			}
			switch typ {
			case unix.NLMSG_DONE:
				return out, nil
			case unix.NLMSG_ERROR:
				if length >= nlmsgHeaderLen+4 {
					if code := int32(ne.Uint32(buf[off+nlmsgHeaderLen:])); code != 0 {
						return nil, fmt.Errorf("sock_diag: %w", unix.Errno(-code))
					}
				}
				return out, nil
			default:
				if length >= nlmsgHeaderLen+inetDiagMsgLen {
					msg := buf[off+nlmsgHeaderLen:]
					// inet_diag_msg: family, state, timer, retrans, the socket id (source
					// port first, in network byte order), expires, queues, uid, inode.
					out = append(out, Socket{
						Family:    msg[0],
						State:     msg[1],
						LocalPort: binary.BigEndian.Uint16(msg[4:]),
						Inode:     uint64(ne.Uint32(msg[inetDiagMsgInodeOffset:])),
					})
				}
			}
			off += (length + 3) &^ 3
		}
	}
}
