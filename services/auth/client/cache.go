package client

import (
	"container/list"
	"crypto/sha256"
	"sync"
	"time"
)

// cacheKey is the SHA-256 of a token: tokens are not kept in memory.
type cacheKey [32]byte

func keyOf(token string) cacheKey { return sha256.Sum256([]byte(token)) }

// cache is a bounded LRU of validations, keyed by token hash and indexed by
// session id and by user id for invalidation (both are UUIDs, so one index
// holds both). It answers only while enabled (the revocation stream is
// connected).
type cache struct {
	mu      sync.Mutex
	size    int
	ttl     time.Duration
	enabled bool
	gen     uint64 // bumped by every invalidation
	order   *list.List
	byKey   map[cacheKey]*list.Element
	byID    map[string]map[cacheKey]struct{} // session and user ids
}

type entry struct {
	key     cacheKey
	id      Identity
	expires time.Time
}

func newCache(size int, ttl time.Duration) *cache {
	return &cache{size: size, ttl: ttl, order: list.New(),
		byKey: map[cacheKey]*list.Element{}, byID: map[string]map[cacheKey]struct{}{}}
}

func (c *cache) get(k cacheKey, now time.Time) (Identity, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.enabled {
		return Identity{}, false
	}
	el, ok := c.byKey[k]
	if !ok {
		return Identity{}, false
	}
	e := el.Value.(*entry)
	if !now.Before(e.expires) {
		c.remove(el)
		return Identity{}, false
	}
	c.order.MoveToFront(el)
	return e.id, true
}

// generation is read before a validation is sent; put stores its answer
// only if no invalidation happened in between, so that an answer that
// raced a revocation is never cached.
func (c *cache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

func (c *cache) put(k cacheKey, id Identity, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.enabled || gen != c.gen {
		return
	}
	expires := now.Add(c.ttl)
	if id.ExpiresAt.Before(expires) {
		expires = id.ExpiresAt
	}
	if el, ok := c.byKey[k]; ok {
		c.remove(el)
	}
	el := c.order.PushFront(&entry{key: k, id: id, expires: expires})
	c.byKey[k] = el
	c.index(id.SessionID, k)
	c.index(id.UserID, k)
	for c.order.Len() > c.size {
		c.remove(c.order.Back())
	}
}

func (c *cache) index(id string, k cacheKey) {
	if c.byID[id] == nil {
		c.byID[id] = map[cacheKey]struct{}{}
	}
	c.byID[id][k] = struct{}{}
}

func (c *cache) unindex(id string, k cacheKey) {
	if keys := c.byID[id]; keys != nil {
		delete(keys, k)
		if len(keys) == 0 {
			delete(c.byID, id)
		}
	}
}

// invalidate forgets every validation of the session, or of the user.
func (c *cache) invalidate(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k := range c.byID[id] {
		if el, ok := c.byKey[k]; ok {
			c.remove(el)
		}
	}
}

// setEnabled turns the cache on when the stream is subscribed and off (and
// empty) when it breaks.
func (c *cache) setEnabled(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.enabled = on
	if !on {
		c.order.Init()
		clear(c.byKey)
		clear(c.byID)
	}
}

func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

func (c *cache) remove(el *list.Element) {
	e := el.Value.(*entry)
	c.order.Remove(el)
	delete(c.byKey, e.key)
	c.unindex(e.id.SessionID, e.key)
	c.unindex(e.id.UserID, e.key)
}
