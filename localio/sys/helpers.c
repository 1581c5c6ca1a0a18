// SPDX-License-Identifier: GPL-2.0
/*
 * The client's whole C: one-line wrappers, in the style of rust/helpers/,
 * for static inlines and macros bindgen cannot turn into Rust. No logic.
 */
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/hardirq.h>
#include <linux/highmem.h>
#include <linux/irqflags.h>
#include <linux/nfs_fs.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/uio.h>
#include <linux/workqueue.h>

#include "helpers.h"

const struct cred *localio_rs_get_cred(const struct cred *cred)
{
	return get_cred(cred);
}

void localio_rs_put_cred(const struct cred *cred)
{
	put_cred(cred);
}

loff_t localio_rs_i_size_read(const struct inode *inode)
{
	return i_size_read(inode);
}

size_t localio_rs_iov_iter_count(const struct iov_iter *iter)
{
	return iov_iter_count(iter);
}

void localio_rs_init_sync_kiocb(struct kiocb *kiocb, struct file *file)
{
	init_sync_kiocb(kiocb, file);
}

void localio_rs_kiocb_start_write(struct kiocb *kiocb)
{
	kiocb_start_write(kiocb);
}

void localio_rs_kiocb_end_write(struct kiocb *kiocb)
{
	kiocb_end_write(kiocb);
}

void localio_rs_init_delayed_work(struct delayed_work *dwork, work_func_t func)
{
	INIT_DELAYED_WORK(dwork, func);
}

void localio_rs_nfs_client_get(struct nfs_client *clp)
{
	refcount_inc(&clp->cl_count);
}

bool localio_rs_may_block(void)
{
	return in_task() && !irqs_disabled();
}

void localio_rs_rcu_read_lock(void)
{
	rcu_read_lock();
}

void localio_rs_rcu_read_unlock(void)
{
	rcu_read_unlock();
}

u64 __percpu *localio_rs_alloc_percpu_u64(size_t n)
{
	return __alloc_percpu_gfp(array_size(n, sizeof(u64)), sizeof(u64), GFP_KERNEL);
}

void localio_rs_this_cpu_add_u64(u64 __percpu *cells, size_t i, u64 n)
{
	this_cpu_add(cells[i], n);
}

/* for_each_possible_cpu() and per_cpu_ptr() are macros: the sum is here. */
u64 localio_rs_sum_percpu_u64(const u64 __percpu *cells, size_t i)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*per_cpu_ptr(&cells[i], cpu));
	return sum;
}

struct page *localio_rs_alloc_pages(unsigned int order)
{
	gfp_t gfp = GFP_KERNEL;

	if (order)
		gfp |= __GFP_NORETRY | __GFP_NOWARN;
	return alloc_pages(gfp, order);
}

void localio_rs_put_page(struct page *page)
{
	put_page(page);
}

struct page *localio_rs_nth_page(struct page *page, size_t n)
{
	return nth_page(page, n);
}

void localio_rs_memcpy_page(struct page *dst, size_t dst_off,
			    struct page *src, size_t src_off, size_t len)
{
	memcpy_page(dst, dst_off, src, src_off, len);
}
