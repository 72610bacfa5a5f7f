/*
 * OBEX peer for interop tests, built on openobex (an independent OBEX implementation).
 * The OBEX byte stream runs over stdin (read) and stdout (write); logs go to stderr as
 * "key=value" lines the test reads.
 *
 *   obex-harness server <mtu> 0
 *       Accepts CONNECT (Target SYNCML-DM only), stores each PUT body, answers each GET with
 *       the last PUT body with every byte XOR 0x5A, Type "application/vnd.syncml.dm+wbxml".
 *       Exits after DISCONNECT.
 *   obex-harness client <mtu> <srm 0|1> <put-file> <type> <get-out-file>  (srm 1: offer SRM by header)
 *       CONNECT (Target SYNCML-DM), PUT put-file with Type, GET with Type into get-out-file,
 *       DISCONNECT, exit 0 when every step got SUCCESS.
 */
#include <openobex/obex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const uint8_t TARGET[] = "SYNCML-DM";
#define TARGET_LEN 9

struct state {
	int done;
	int failed;
	int last_rsp;
	uint32_t connection_id;
	int have_connection_id;
	uint8_t *stored;
	uint32_t stored_len;
	uint8_t *got;
	uint32_t got_len;
};

static struct state st;

static void log_type(const char *what, const uint8_t *v, uint32_t n)
{
	fprintf(stderr, "%s=", what);
	for (uint32_t i = 0; i < n && v[i]; i++)
		fputc(v[i], stderr);
	fputc('\n', stderr);
}

static void server_request(obex_t *h, obex_object_t *obj, int cmd)
{
	uint8_t hi;
	obex_headerdata_t hv;
	uint32_t hlen;
	obex_headerdata_t out;

	switch (cmd) {
	case OBEX_CMD_CONNECT: {
		int target_ok = 0;
		while (OBEX_ObjectGetNextHeader(h, obj, &hi, &hv, &hlen)) {
			if (hi == OBEX_HDR_TARGET && hlen == TARGET_LEN && memcmp(hv.bs, TARGET, TARGET_LEN) == 0)
				target_ok = 1;
		}
		fprintf(stderr, "connect_target_ok=%d\n", target_ok);
		if (!target_ok) {
			OBEX_ObjectSetRsp(obj, OBEX_RSP_SERVICE_UNAVAILABLE, OBEX_RSP_SERVICE_UNAVAILABLE);
			return;
		}
		out.bq4 = 0x1234;
		OBEX_ObjectAddHeader(h, obj, OBEX_HDR_CONNECTION, out, 4, 0);
		out.bs = TARGET;
		OBEX_ObjectAddHeader(h, obj, OBEX_HDR_WHO, out, TARGET_LEN, 0);
		OBEX_ObjectSetRsp(obj, OBEX_RSP_SUCCESS, OBEX_RSP_SUCCESS);
		return;
	}
	case OBEX_CMD_PUT: {
		int saw_body = 0;
		while (OBEX_ObjectGetNextHeader(h, obj, &hi, &hv, &hlen)) {
			if (hi == OBEX_HDR_CONNECTION)
				fprintf(stderr, "put_connection_id=%u\n", hv.bq4);
			else if (hi == OBEX_HDR_TYPE)
				log_type("put_type", hv.bs, hlen);
			else if (hi == OBEX_HDR_LENGTH)
				fprintf(stderr, "put_length=%u\n", hv.bq4);
			else if (hi == OBEX_HDR_BODY || hi == OBEX_HDR_BODY_END) {
				/* Non-streaming mode hands the whole body over as one header. */
				uint8_t *n = realloc(saw_body ? st.stored : NULL, (saw_body ? st.stored_len : 0) + hlen + 1);
				if (!n) exit(3);
				memcpy(n + (saw_body ? st.stored_len : 0), hv.bs, hlen);
				st.stored_len = (saw_body ? st.stored_len : 0) + hlen;
				st.stored = n;
				saw_body = 1;
			}
		}
		if (!saw_body) {
			free(st.stored);
			st.stored = NULL;
			st.stored_len = 0;
		}
		fprintf(stderr, "put_body_bytes=%u\n", st.stored_len);
		OBEX_ObjectSetRsp(obj, OBEX_RSP_SUCCESS, OBEX_RSP_SUCCESS);
		return;
	}
	case OBEX_CMD_GET: {
		static uint8_t *reply;
		static const char type[] = "application/vnd.syncml.dm+wbxml";
		while (OBEX_ObjectGetNextHeader(h, obj, &hi, &hv, &hlen)) {
			if (hi == OBEX_HDR_CONNECTION)
				fprintf(stderr, "get_connection_id=%u\n", hv.bq4);
			else if (hi == OBEX_HDR_TYPE)
				log_type("get_type", hv.bs, hlen);
		}
		free(reply);
		reply = malloc(st.stored_len + 1);
		for (uint32_t i = 0; i < st.stored_len; i++)
			reply[i] = st.stored[i] ^ 0x5A;
		out.bs = (const uint8_t *)type;
		OBEX_ObjectAddHeader(h, obj, OBEX_HDR_TYPE, out, sizeof(type), 0);
		out.bq4 = st.stored_len;
		OBEX_ObjectAddHeader(h, obj, OBEX_HDR_LENGTH, out, 4, 0);
		out.bs = reply;
		OBEX_ObjectAddHeader(h, obj, OBEX_HDR_BODY, out, st.stored_len, 0);
		OBEX_ObjectSetRsp(obj, OBEX_RSP_CONTINUE, OBEX_RSP_SUCCESS);
		fprintf(stderr, "get_reply_bytes=%u\n", st.stored_len);
		return;
	}
	case OBEX_CMD_DISCONNECT:
		fprintf(stderr, "disconnect=1\n");
		OBEX_ObjectSetRsp(obj, OBEX_RSP_SUCCESS, OBEX_RSP_SUCCESS);
		return;
	default:
		OBEX_ObjectSetRsp(obj, OBEX_RSP_NOT_IMPLEMENTED, OBEX_RSP_NOT_IMPLEMENTED);
	}
}

static void client_done(obex_t *h, obex_object_t *obj, int cmd, int rsp)
{
	uint8_t hi;
	obex_headerdata_t hv;
	uint32_t hlen;

	st.last_rsp = rsp;
	fprintf(stderr, "done_cmd=%d rsp=0x%02x\n", cmd, rsp);
	if (cmd == OBEX_CMD_CONNECT) {
		while (OBEX_ObjectGetNextHeader(h, obj, &hi, &hv, &hlen)) {
			if (hi == OBEX_HDR_CONNECTION) {
				st.connection_id = hv.bq4;
				st.have_connection_id = 1;
				fprintf(stderr, "connection_id=%u\n", hv.bq4);
			} else if (hi == OBEX_HDR_WHO) {
				fprintf(stderr, "who_ok=%d\n", hlen == TARGET_LEN && memcmp(hv.bs, TARGET, TARGET_LEN) == 0);
			}
		}
	} else if (cmd == OBEX_CMD_GET) {
		while (OBEX_ObjectGetNextHeader(h, obj, &hi, &hv, &hlen)) {
			if (hi == OBEX_HDR_TYPE)
				log_type("get_rsp_type", hv.bs, hlen);
			else if (hi == OBEX_HDR_BODY || hi == OBEX_HDR_BODY_END) {
				uint8_t *n = realloc(st.got, st.got_len + hlen + 1);
				if (!n) exit(3);
				memcpy(n + st.got_len, hv.bs, hlen);
				st.got = n;
				st.got_len += hlen;
			}
		}
		fprintf(stderr, "get_body_bytes=%u\n", st.got_len);
	}
	st.done = 1;
}

static void event_cb(obex_t *h, obex_object_t *obj, int mode, int event, int cmd, int rsp)
{
	(void)mode;
	switch (event) {
	case OBEX_EV_REQHINT:
		switch (cmd) {
		case OBEX_CMD_CONNECT:
		case OBEX_CMD_DISCONNECT:
		case OBEX_CMD_PUT:
		case OBEX_CMD_GET:
			OBEX_ObjectSetRsp(obj, OBEX_RSP_CONTINUE, OBEX_RSP_SUCCESS);
			break;
		default:
			OBEX_ObjectSetRsp(obj, OBEX_RSP_NOT_IMPLEMENTED, OBEX_RSP_NOT_IMPLEMENTED);
		}
		break;
	case OBEX_EV_REQ:
		server_request(h, obj, cmd);
		break;
	case OBEX_EV_REQDONE:
		if (mode == OBEX_MODE_CLIENT)
			client_done(h, obj, cmd, rsp);
		else if (cmd == OBEX_CMD_DISCONNECT)
			st.done = 1;
		break;
	case OBEX_EV_LINKERR:
	case OBEX_EV_PARSEERR:
		fprintf(stderr, "link_error=%d\n", event);
		st.failed = 1;
		st.done = 1;
		break;
	case OBEX_EV_ABORT:
		fprintf(stderr, "abort=1\n");
		break;
	default:
		break;
	}
}

static int run(obex_t *h)
{
	/* A short wait per step: in single response mode openobex polls for a peer's early
	 * answer between packets and goes on sending when none comes within this time. */
	OBEX_SetTimeout(h, 5);
	while (!st.done) {
		if (OBEX_Work(h) < 0) {
			fprintf(stderr, "work_failed=1\n");
			return -1;
		}
	}
	return st.failed ? -1 : 0;
}

static int request(obex_t *h, obex_object_t *obj)
{
	st.done = 0;
	if (OBEX_Request(h, obj) < 0)
		return -1;
	if (run(h) < 0)
		return -1;
	return st.last_rsp == OBEX_RSP_SUCCESS ? 0 : -1;
}

static uint8_t *read_file(const char *path, uint32_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc(n + 1);
	if (fread(buf, 1, n, f) != (size_t)n) { fclose(f); return NULL; }
	fclose(f);
	*len = (uint32_t)n;
	return buf;
}

int main(int argc, char **argv)
{
	/* A watchdog: the harness never outlives a test run, even if its peer vanishes. */
	alarm(120);
	if (argc < 4) {
		fprintf(stderr, "usage: obex-harness server|client <mtu> <srm> ...\n");
		return 2;
	}
	int mtu = atoi(argv[2]);
	int srm = atoi(argv[3]);
	obex_t *h = OBEX_Init(OBEX_TRANS_FD, event_cb, 0);
	if (!h) return 3;
	OBEX_SetTransportMTU(h, mtu, mtu);
	if (FdOBEX_TransportSetup(h, 0, 1, 0) < 0) {
		fprintf(stderr, "transport_setup_failed=1\n");
		return 3;
	}
	fprintf(stderr, "ready=1\n");

	if (strcmp(argv[1], "server") == 0) {
		int rc = run(h);
		fprintf(stderr, "exit=%d\n", rc);
		OBEX_Cleanup(h);
		return rc < 0 ? 1 : 0;
	}
	if (strcmp(argv[1], "client") != 0 || argc < 7) return 2;

	uint32_t put_len = 0;
	uint8_t *put = read_file(argv[4], &put_len);
	if (!put) return 2;
	const char *type = argv[5];
	obex_headerdata_t hv;

	obex_object_t *obj = OBEX_ObjectNew(h, OBEX_CMD_CONNECT);
	hv.bs = TARGET;
	OBEX_ObjectAddHeader(h, obj, OBEX_HDR_TARGET, hv, TARGET_LEN, OBEX_FL_FIT_ONE_PACKET);
	if (request(h, obj) < 0) { fprintf(stderr, "step=connect failed\n"); return 1; }

	/* openobex leaves SRM negotiation to the application: offer it by header, switch mode. */
	if (srm)
		OBEX_SetReponseMode(h, OBEX_RSP_MODE_SINGLE);
	obj = OBEX_ObjectNew(h, OBEX_CMD_PUT);
	if (st.have_connection_id) {
		hv.bq4 = st.connection_id;
		OBEX_ObjectAddHeader(h, obj, OBEX_HDR_CONNECTION, hv, 4, OBEX_FL_FIT_ONE_PACKET);
	}
	if (srm) {
		hv.bq1 = 1;
		OBEX_ObjectAddHeader(h, obj, OBEX_HDR_SRM, hv, 1, OBEX_FL_FIT_ONE_PACKET);
	}
	hv.bs = (const uint8_t *)type;
	OBEX_ObjectAddHeader(h, obj, OBEX_HDR_TYPE, hv, strlen(type) + 1, OBEX_FL_FIT_ONE_PACKET);
	hv.bq4 = put_len;
	OBEX_ObjectAddHeader(h, obj, OBEX_HDR_LENGTH, hv, 4, 0);
	hv.bs = put;
	OBEX_ObjectAddHeader(h, obj, OBEX_HDR_BODY, hv, put_len, 0);
	if (request(h, obj) < 0) { fprintf(stderr, "step=put failed\n"); return 1; }

	obj = OBEX_ObjectNew(h, OBEX_CMD_GET);
	if (st.have_connection_id) {
		hv.bq4 = st.connection_id;
		OBEX_ObjectAddHeader(h, obj, OBEX_HDR_CONNECTION, hv, 4, OBEX_FL_FIT_ONE_PACKET);
	}
	if (srm) {
		hv.bq1 = 1;
		OBEX_ObjectAddHeader(h, obj, OBEX_HDR_SRM, hv, 1, OBEX_FL_FIT_ONE_PACKET);
	}
	hv.bs = (const uint8_t *)type;
	OBEX_ObjectAddHeader(h, obj, OBEX_HDR_TYPE, hv, strlen(type) + 1, OBEX_FL_FIT_ONE_PACKET);
	if (request(h, obj) < 0) { fprintf(stderr, "step=get failed\n"); return 1; }
	FILE *f = fopen(argv[6], "wb");
	if (!f || fwrite(st.got ? st.got : (uint8_t *)"", 1, st.got_len, f) != st.got_len) return 1;
	fclose(f);

	obj = OBEX_ObjectNew(h, OBEX_CMD_DISCONNECT);
	if (st.have_connection_id) {
		hv.bq4 = st.connection_id;
		OBEX_ObjectAddHeader(h, obj, OBEX_HDR_CONNECTION, hv, 4, OBEX_FL_FIT_ONE_PACKET);
	}
	if (request(h, obj) < 0) { fprintf(stderr, "step=disconnect failed\n"); return 1; }
	fprintf(stderr, "exit=0\n");
	OBEX_Cleanup(h);
	return 0;
}
