/* SPDX-License-Identifier: GPL-2.0 */
/* helpers.c, for bindgen and for the compiler's prototype check. */
#include <linux/types.h>

struct cred;
struct delayed_work;
struct file;
struct inode;
struct iov_iter;
struct kiocb;
struct nfs_client;
struct page;
struct work_struct;

const struct cred *localio_rs_get_cred(const struct cred *cred);
void localio_rs_put_cred(const struct cred *cred);
loff_t localio_rs_i_size_read(const struct inode *inode);
size_t localio_rs_iov_iter_count(const struct iov_iter *iter);
void localio_rs_init_sync_kiocb(struct kiocb *kiocb, struct file *file);
void localio_rs_kiocb_start_write(struct kiocb *kiocb);
void localio_rs_kiocb_end_write(struct kiocb *kiocb);
void localio_rs_init_delayed_work(struct delayed_work *dwork,
				  void (*func)(struct work_struct *work));
void localio_rs_nfs_client_get(struct nfs_client *clp);
bool localio_rs_may_block(void);
void localio_rs_rcu_read_lock(void);
void localio_rs_rcu_read_unlock(void);
u64 __percpu *localio_rs_alloc_percpu_u64(size_t n);
void localio_rs_this_cpu_add_u64(u64 __percpu *cells, size_t i, u64 n);
u64 localio_rs_sum_percpu_u64(const u64 __percpu *cells, size_t i);
struct page *localio_rs_alloc_pages(unsigned int order);
struct page *localio_rs_nth_page(struct page *page, size_t n);
void localio_rs_put_page(struct page *page);
void localio_rs_memcpy_page(struct page *dst, size_t dst_off,
			    struct page *src, size_t src_off, size_t len);

/* trace.c: one helper per trace event of trace.h. */
void localio_rs_trace_offer(const struct nfs_client *clp, u64 fileid,
			    const char *kind, u32 kind_len, u64 offset,
			    u32 count);
void localio_rs_trace_decline(const struct nfs_client *clp, u64 fileid,
			      const char *kind, u32 kind_len, u64 offset,
			      u32 count, u32 served, const char *reason,
			      u32 reason_len);
void localio_rs_trace_accept(const struct nfs_client *clp, u64 fileid,
			     const char *kind, u32 kind_len, u64 offset,
			     u32 count, u32 served, const char *path,
			     u32 path_len);
void localio_rs_trace_submit(const struct file *file, const char *kind,
			     u32 kind_len, u64 offset, u32 served, bool queued);
bool localio_rs_trace_requests_enabled(void);
bool localio_rs_trace_complete_enabled(void);
void localio_rs_trace_complete(const struct file *file, const char *kind,
			       u32 kind_len, u64 offset, u32 served,
			       s64 result, u64 ns);
void localio_rs_trace_file(const char *server, u32 vers,
			   const struct file *file, const char *what,
			   u32 what_len, const char *reason, u32 reason_len);
void localio_rs_trace_handshake(const char *server, u32 vers, bool local);
