package collector

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// socket is the part of a TCP socket the TCP collector counts.
type socket struct {
	localPort uint16
	state     uint8
}

// Netlink sock_diag wire format (linux/inet_diag.h, linux/netlink.h).
const (
	nlmsgHeaderLen  = 16
	inetDiagReqLen  = 56 // struct inet_diag_req_v2
	inetDiagMsgLen  = 72 // struct inet_diag_msg
	allTCPStates    = 0xffffffff
	diagRecvBufSize = 64 << 10
)

// diagTCPSockets lists the TCP sockets on the given local ports in the exporter's own
// network namespace through netlink sock_diag, as ss does, with the kernel filtering by
// port. Reading /proc/net/tcp instead makes the kernel format every socket of the
// namespace as text: with a few thousand sockets (TIME_WAIT ones from a load test are
// plenty) that costs tens of milliseconds per scrape.
func diagTCPSockets(ports []int) ([]socket, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return nil, fmt.Errorf("sock_diag socket: %w", err)
	}
	defer unix.Close(fd)
	var out []socket
	buf := make([]byte, diagRecvBufSize)
	for seq, family := range []uint8{unix.AF_INET, unix.AF_INET6} {
		if err := unix.Sendto(fd, diagRequest(family, uint32(seq+1), ports), 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
			return nil, fmt.Errorf("sock_diag request: %w", err)
		}
		if out, err = readDiagDump(fd, buf, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func diagRequest(family uint8, seq uint32, ports []int) []byte {
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
	ne.PutUint32(req[20:], allTCPStates)
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
func readDiagDump(fd int, buf []byte, out []socket) ([]socket, error) {
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
					// inet_diag_msg: family, state, timer, retrans, then the socket id,
					// whose source port comes first in network byte order.
					out = append(out, socket{state: msg[1], localPort: binary.BigEndian.Uint16(msg[4:])})
				}
			}
			off += (length + 3) &^ 3
		}
	}
}
